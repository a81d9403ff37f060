package crm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// readCSV returns what ReadCustomersCSV yields for text.
func readCSV(t *testing.T, text string) ([]crm.Customer, []error) {
	t.Helper()
	var cs []crm.Customer
	var errs []error
	for c, err := range crm.ReadCustomersCSV(strings.NewReader(text)) {
		cs = append(cs, c)
		errs = append(errs, err)
	}
	return cs, errs
}

func TestReadCustomersCSV(t *testing.T) {
	t.Run("every column", func(t *testing.T) {
		text := "\uFEFFID, Kind ,Name,Emails,Phones,Street,City,Postal_Code,State,Country,Industry,Region,Source,Owner_ID," +
			"Tax_ID,Credit_Rating,Size,Stage,Tags,Credit_Limit,Risk_Level,Birth_Date," +
			"Consent_Email,Consent_Phone,Consent_SMS,Consent_Post,Do_Not_Contact,Created_At,custom.segment,custom.active:bool,custom.score:number\n" +
			`ext-1,Organization,"Acme, Ltd",sales@acme.example; billing@acme.example,020 7946 0000,"1 High St` + "\n" +
			`Floor 2",London,EC1A 1AA,,gb,software,north,web,u-ann,GB123,AA,Medium,active,vip;b2b,50000.00 EUR,low,1999-12-31,` +
			"yes,no,1,0,false,2025-01-02T10:11:23Z,smb,true,4.50\n"
		cs, errs := readCSV(t, text)
		require.Len(t, cs, 1)
		require.NoError(t, errs[0])
		c := cs[0]
		assert.Equal(t, "ext-1", c.ID)
		assert.Equal(t, crm.KindOrganization, c.Kind)
		assert.Equal(t, "Acme, Ltd", c.Name)
		assert.Equal(t, []crm.Email{{Address: "sales@acme.example"}, {Address: "billing@acme.example"}}, c.Emails)
		assert.Equal(t, []crm.Phone{{Number: "020 7946 0000"}}, c.Phones)
		assert.Equal(t, crm.Address{Street: "1 High St\nFloor 2", City: "London", PostalCode: "EC1A 1AA", Country: "GB"}, c.Address)
		assert.Equal(t, []string{"software", "north", "web", "u-ann", "GB123", "AA"},
			[]string{c.Industry, c.Region, c.Source, c.OwnerID, c.TaxID, c.CreditRating})
		assert.Equal(t, crm.SizeMedium, c.Size)
		assert.Equal(t, crm.StageActive, c.Stage)
		assert.Equal(t, []string{"vip", "b2b"}, c.Tags)
		requireMoney(t, "50000.00 EUR", c.CreditLimit)
		assert.Equal(t, crm.RiskLow, c.RiskLevel)
		assert.Equal(t, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), c.BirthDate)
		assert.Equal(t, []bool{true, false, true, false, false},
			[]bool{c.Consent.Email.Granted, c.Consent.Phone.Granted, c.Consent.SMS.Granted, c.Consent.Post.Granted, c.DoNotContact})
		assert.Equal(t, time.Date(2025, 1, 2, 10, 11, 23, 0, time.UTC), c.CreatedAt)
		assert.Equal(t, map[string]crm.CustomValue{
			"segment": crm.StringValue("smb"), "active": crm.BoolValue(true), "score": crm.NumberValue(decimal.RequireFromString("4.50")),
		}, c.Custom)
	})

	t.Run("bad records are reported and skipped", func(t *testing.T) {
		text := "name,email,birth_date,do_not_contact,credit_limit\n" +
			"Good,a@example.com,,,\n" +
			"Short,b@example.com\n" +
			"Bad cells,c@example.com,31/12/1999,perhaps,12 DOLLARS\n" +
			`Bad "quote",d@example.com,,,` + "\n" +
			"Also good,e@example.com,,,\n"
		cs, errs := readCSV(t, text)
		require.Len(t, cs, 5)
		assert.NoError(t, errs[0])
		assert.Equal(t, "Good", cs[0].Name)

		assert.ErrorIs(t, errs[1], crm.ErrInvalid)
		assert.Contains(t, errs[1].Error(), "line 3")

		var verr *crm.ValidationError
		require.ErrorAs(t, errs[2], &verr)
		assert.Contains(t, errs[2].Error(), "line 4")
		for _, f := range []string{"birth_date", "do_not_contact", "credit_limit"} {
			why, ok := verr.Field(f)
			assert.True(t, ok, "field %s named", f)
			assert.NotEmpty(t, why)
		}
		assert.Equal(t, "Bad cells", cs[2].Name, "what could be read comes with the error")

		assert.ErrorIs(t, errs[3], crm.ErrInvalid)
		assert.NoError(t, errs[4])
		assert.Equal(t, "Also good", cs[4].Name)
	})

	t.Run("header errors end the sequence", func(t *testing.T) {
		for name, text := range map[string]string{
			"empty":         "",
			"unknown":       "name,colour\nA,red\n",
			"repeated":      "name,email,emails\nA,a@x.example,b@x.example\n",
			"no name":       "id,email\n1,a@x.example\n",
			"blank":         "name,\nA,\n",
			"custom type":   "name,custom.x:float\nA,1\n",
			"custom key":    "name,custom.a b\nA,1\n",
			"custom repeat": "name,custom.a,custom.a:int\nA,x,1\n",
		} {
			cs, errs := readCSV(t, text)
			require.Len(t, cs, 1, name)
			assert.Error(t, errs[0], name)
			assert.False(t, errors.Is(errs[0], crm.ErrInvalid), "%s: a header error is not a row's problem", name)
			assert.Contains(t, errs[0].Error(), "header", name)
		}
	})

	t.Run("read failure ends the sequence", func(t *testing.T) {
		errRead := errors.New("connection reset")
		r := &failingReader{data: "name\nA\nB\n", err: errRead}
		var got []error
		for _, err := range crm.ReadCustomersCSV(r) {
			got = append(got, err)
		}
		require.NotEmpty(t, got)
		assert.ErrorIs(t, got[len(got)-1], errRead)
	})

	t.Run("stops when the consumer stops", func(t *testing.T) {
		n := 0
		for range crm.ReadCustomersCSV(strings.NewReader("name\nA\nB\nC\n")) {
			n++
			if n == 2 {
				break
			}
		}
		assert.Equal(t, 2, n)
	})
}

// failingReader returns data, then err.
type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
