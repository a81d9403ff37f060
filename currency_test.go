package crm_test

import (
	"testing"

	"github.com/crmkit/crm"
)

func TestCurrencyDigits(t *testing.T) {
	tests := []struct {
		code   string
		digits int
		ok     bool
	}{
		{"EUR", 2, true},
		{"USD", 2, true},
		{"GBP", 2, true},
		{"CHF", 2, true},
		{"JPY", 0, true},
		{"KRW", 0, true},
		{"ISK", 0, true},
		{"CLP", 0, true},
		{"VND", 0, true},
		{"XOF", 0, true},
		{"XAF", 0, true},
		{"XPF", 0, true},
		{"UYI", 0, true},
		{"KWD", 3, true},
		{"BHD", 3, true},
		{"JOD", 3, true},
		{"OMR", 3, true},
		{"TND", 3, true},
		{"LYD", 3, true},
		{"IQD", 3, true},
		{"CLF", 4, true},
		{"UYW", 4, true},
		// Recent additions.
		{"SLE", 2, true},
		{"VED", 2, true},
		{"VES", 2, true},
		{"XCG", 2, true},
		{"ZWG", 2, true},
		{"XAD", 2, true},
		// Funds.
		{"BOV", 2, true},
		{"CHE", 2, true},
		{"CHW", 2, true},
		{"COU", 2, true},
		{"MXV", 2, true},
		{"USN", 2, true},
		// No minor unit in ISO 4217: known, with 0 digits.
		{"XAU", 0, true},
		{"XAG", 0, true},
		{"XPT", 0, true},
		{"XPD", 0, true},
		{"XDR", 0, true},
		{"XSU", 0, true},
		{"XUA", 0, true},
		{"XBA", 0, true},
		// Not money.
		{"XTS", 0, false},
		{"XXX", 0, false},
		// Withdrawn.
		{"DEM", 0, false},
		{"FRF", 0, false},
		{"ANG", 0, false},
		{"BGN", 0, false},
		{"CUC", 0, false},
		{"HRK", 0, false},
		{"SLL", 0, false},
		{"ZWL", 0, false},
		{"VEF", 0, false},
		{"MRO", 0, false},
		{"STD", 0, false},
		// Not codes, or not written exactly.
		{"", 0, false},
		{"eur", 0, false},
		{"Eur", 0, false},
		{" EUR", 0, false},
		{"EUR ", 0, false},
		{"EURO", 0, false},
		{"EU", 0, false},
		{"€", 0, false},
		{"\xff\xfe\xfd", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			digits, ok := crm.CurrencyDigits(tt.code)
			if digits != tt.digits || ok != tt.ok {
				t.Errorf("CurrencyDigits(%q) = %d, %v; want %d, %v", tt.code, digits, ok, tt.digits, tt.ok)
			}
		})
	}
}

// TestCurrencyDigitsTable checks the table as a whole: every known code is
// three upper-case letters with 0 to 4 digits, and the count is that of
// ISO 4217 List One.
func TestCurrencyDigitsTable(t *testing.T) {
	known := 0
	var code [3]byte
	for a := byte('A'); a <= 'Z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			for c := byte('A'); c <= 'Z'; c++ {
				code = [3]byte{a, b, c}
				digits, ok := crm.CurrencyDigits(string(code[:]))
				if !ok {
					if digits != 0 {
						t.Errorf("CurrencyDigits(%q) = %d, false; want 0 digits when unknown", code, digits)
					}
					continue
				}
				known++
				if digits < 0 || digits > 4 {
					t.Errorf("CurrencyDigits(%q) = %d; want 0 to 4", code, digits)
				}
				if _, ok := crm.CurrencyDigits(string([]byte{a, b, c + 'a' - 'A'})); ok {
					t.Errorf("CurrencyDigits accepts a lower-case letter in %q", code)
				}
			}
		}
	}
	if known < 155 || known > 180 {
		t.Errorf("%d known codes; want 155 to 180", known)
	}
	t.Logf("%d known codes", known)
}

func TestMoneyUsesCurrencyDigits(t *testing.T) {
	tests := []struct {
		amount, currency, want string
	}{
		{"1234.5", "eur", "1234.50 EUR"},
		{"1234", "JPY", "1234 JPY"},
		{"1.5", "kwd", "1.500 KWD"},
		{"1", "CLF", "1.0000 CLF"},
	}
	for _, tt := range tests {
		m, err := crm.NewMoney(tt.amount, tt.currency)
		if err != nil {
			t.Fatalf("NewMoney(%q, %q): %v", tt.amount, tt.currency, err)
		}
		if got := m.String(); got != tt.want {
			t.Errorf("NewMoney(%q, %q).String() = %q; want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
	if _, err := crm.NewMoney("1", "DEM"); err == nil {
		t.Error(`NewMoney("1", "DEM") succeeded; want an error for a withdrawn currency`)
	}
}
