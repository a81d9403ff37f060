package clv_test

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/clv"
)

// cdnowSummary reads the published per-customer summary of the CDNOW
// sample (weeks; calibration end 1997-09-30).
func cdnowSummary(tb testing.TB) []clv.Customer {
	tb.Helper()
	f, err := os.Open("testdata/cdnow_customers_summary_with_transactions.csv")
	require.NoError(tb, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(tb, err)
	require.Equal(tb, []string{"ID", "x", "t_x", "T", "zbar"}, rows[0])
	out := make([]clv.Customer, 0, len(rows)-1)
	for _, row := range rows[1:] {
		var v [4]float64
		for i := range v {
			v[i], err = strconv.ParseFloat(row[i+1], 64)
			require.NoError(tb, err)
		}
		out = append(out, clv.Customer{ID: row[0], X: v[0], Tx: v[1], T: v[2], Monetary: v[3]})
	}
	return out
}

// cdnowTransactions reads the CDNOW sample transaction log, keyed by the
// sample id (1..2357) as the summary file is.
func cdnowTransactions(tb testing.TB) []clv.Transaction {
	tb.Helper()
	f, err := os.Open("testdata/CDNOW_sample.txt.gz")
	require.NoError(tb, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(tb, err)
	var out []clv.Transaction
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		require.Len(tb, fs, 5, "line %q", sc.Text())
		id, err := strconv.Atoi(fs[1])
		require.NoError(tb, err)
		at, err := time.Parse("20060102", fs[2])
		require.NoError(tb, err)
		amount, err := strconv.ParseFloat(fs[4], 64)
		require.NoError(tb, err)
		out = append(out, clv.Transaction{CustomerID: strconv.Itoa(id), At: at, Amount: amount})
	}
	require.NoError(tb, sc.Err())
	require.Len(tb, out, 6919)
	return out
}

// cdnowEnd is the last day of the CDNOW calibration period.
var cdnowEnd = time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
