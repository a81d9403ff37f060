package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// importCSV returns a customers CSV of n rows with IDs imp-00001, …, one
// email and one phone each; rows at the positions in dupOf repeat the email
// of the row given.
func importCSV(n int, dupOf map[int]int) string {
	var b strings.Builder
	b.WriteString("id,name,email,phone,region\n")
	for i := 1; i <= n; i++ {
		email := i
		if j, ok := dupOf[i]; ok {
			email = j
		}
		fmt.Fprintf(&b, "imp-%05d,Import %05d,row%05d@import.example,+44 20 7946 %04d,north\n", i, i, email, i%10000)
	}
	return b.String()
}

// testImport imports a CSV through a Client over the store, in batches
// smaller than the input: duplicates of stored customers, of rows in the
// same batch and of rows in earlier batches are skipped, every other row
// is stored, and a second import of the same file stores nothing.
func testImport(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	stored, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Stored", Emails: []crm.Email{{Address: "row00007@import.example"}}})
	require.NoError(t, err)

	const n = 2345
	dupOf := map[int]int{
		10:   9,    // the same batch
		1500: 3,    // an earlier batch
		2345: 1200, // the last, short batch
	}
	text := importCSV(n, dupOf)
	var batches []int
	res, err := c.ImportCustomers(ctx, crm.ReadCustomersCSV(strings.NewReader(text)), crm.ImportOptions{
		BatchSize: 1000,
		Progress:  func(st crm.ImportStats) { batches = append(batches, st.Rows) },
	})
	require.NoError(t, err)
	assert.Equal(t, []int{1000, 2000, n}, batches, "rows settled after each batch")
	assert.Equal(t, n-4, res.Created)
	assert.Equal(t, 4, res.Skipped, "row 7 (a stored email) and rows 10, 1500, 2345")
	var rows []int
	for _, e := range res.Errors {
		rows = append(rows, e.Row)
		assert.ErrorIs(t, e, crm.ErrDuplicate)
	}
	assert.Equal(t, []int{7, 10, 1500, 2345}, rows)

	all := allCustomers(t, s, crm.CustomerFilter{Search: "import "})
	require.Len(t, all, n-4)
	assert.Equal(t, "imp-00001", all[0].ID)
	assert.Equal(t, "row00001@import.example", all[0].PrimaryEmail())
	assert.Equal(t, "+442079460001", all[0].PrimaryPhone())
	assertStoredCustomer(t, s, stored, "the stored customer a row duplicated")

	again, err := c.ImportCustomers(ctx, crm.ReadCustomersCSV(strings.NewReader(text)), crm.ImportOptions{BatchSize: 1000})
	require.NoError(t, err)
	assert.Equal(t, crm.ImportStats{Rows: n, Skipped: n, Elapsed: again.Elapsed}, again.ImportStats, "a second import")
}

// testImportMerge imports rows that match stored customers under
// MergeDuplicates: the stored customers take the rows' new values in
// place, a version higher.
func testImportMerge(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	res, err := c.ImportCustomers(ctx, crm.ReadCustomersCSV(strings.NewReader(importCSV(30, nil))), crm.ImportOptions{})
	require.NoError(t, err)
	require.Equal(t, 30, res.Created)

	update := "id,name,email,industry,tags\n" +
		"imp-00003,Import 00003,row00003@import.example,retail,gold\n" +
		"new-1,Someone Else,row00004@import.example,food,\n" +
		"new-2,Brand New,new@import.example,,\n"
	res, err = c.ImportCustomers(ctx, crm.ReadCustomersCSV(strings.NewReader(update)), crm.ImportOptions{Duplicates: crm.MergeDuplicates})
	require.NoError(t, err)
	assert.Equal(t, crm.ImportStats{Rows: 3, Created: 1, Merged: 2, Elapsed: res.Elapsed}, res.ImportStats)

	third := mustFindCustomer(t, s, "imp-00003")
	assert.Equal(t, "retail", third.Industry)
	assert.Equal(t, []string{"gold"}, third.Tags)
	assert.Equal(t, int64(2), third.Version)
	fourth := mustFindCustomer(t, s, "imp-00004")
	assert.Equal(t, "Import 00004", fourth.Name, "the stored name stays")
	assert.Equal(t, "food", fourth.Industry, "the row fills an empty field")
	assertNoCustomer(t, s, "new-1", "a row merged into a stored customer")
	mustFindCustomer(t, s, "new-2")
}

// testImportWorkers imports with four batches stored at once, rows
// repeating rows of batches being stored beside theirs: each duplicate is
// found and skipped as with one worker, and every other row is stored.
func testImportWorkers(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	stored, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Stored", Emails: []crm.Email{{Address: "row00333@import.example"}}})
	require.NoError(t, err)

	const n = 1000
	dupOf := map[int]int{
		150: 120, // the same batch
		250: 180, // the batch before, likely still being stored
		420: 380,
		999: 5, // a batch long committed
	}
	text := importCSV(n, dupOf)
	var progress []int
	res, err := c.ImportCustomers(ctx, crm.ReadCustomersCSV(strings.NewReader(text)), crm.ImportOptions{
		BatchSize: 100,
		Workers:   4,
		Progress:  func(st crm.ImportStats) { progress = append(progress, st.Rows) },
	})
	require.NoError(t, err)
	assert.Equal(t, []int{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}, progress, "Progress in input order")
	assert.Equal(t, n-5, res.Created)
	var rows []int
	for _, e := range res.Errors {
		rows = append(rows, e.Row)
		assert.ErrorIs(t, e, crm.ErrDuplicate)
	}
	assert.Equal(t, []int{150, 250, 333, 420, 999}, rows, "duplicates skipped")
	all := allCustomers(t, s, crm.CustomerFilter{Search: "import "})
	require.Len(t, all, n-5)
	for _, cust := range all {
		if cust.ID == "imp-00250" || cust.ID == "imp-00420" {
			t.Errorf("duplicate row %s stored", cust.ID)
		}
	}
	assertStoredCustomer(t, s, stored, "the stored customer a row duplicated")
}
