package crm

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, raw, region, want string
	}{
		{"GB", "020 7946 0000", "GB", "+442079460000"},
		{"GBLowerRegion", "020 7946 0000", " gb ", "+442079460000"},
		{"GBMobile", "07700 900123", "GB", "+447700900123"},
		{"GBNoTrunk", "20 7946 0000", "GB", "+442079460000"},
		{"DE", "030 123456", "DE", "+4930123456"},
		{"DESlash", "030/123456", "DE", "+4930123456"},
		{"FR", "01 23 45 67 89", "FR", "+33123456789"},
		{"FRDots", "01.23.45.67.89", "FR", "+33123456789"},
		{"AU", "(02) 9876 5432", "AU", "+61298765432"},
		{"US", "(415) 555-2671", "US", "+14155552671"},
		{"USTrunk", "1 415 555 2671", "US", "+14155552671"},
		{"USDashes", "1-415-555-2671", "US", "+14155552671"},
		{"CA", "416.555.0199", "CA", "+14165550199"},
		{"JMIsNANP", "876 555 0123", "JM", "+18765550123"},
		{"IT", "06 6982 1234", "IT", "+390669821234"},
		{"VA", "06 6982 1234", "VA", "+390669821234"},
		{"ITMobile", "312 345 6789", "IT", "+393123456789"},
		{"RU", "8 (912) 345-67-89", "RU", "+79123456789"},
		{"RUNoTrunk", "912 345 67 89", "RU", "+79123456789"},
		{"KZ", "8 701 234 5678", "KZ", "+77012345678"},
		{"HU", "06 1 234 5678", "HU", "+3612345678"},
		{"BY", "8 029 123 45 67", "BY", "+375291234567"},
		{"ES", "912 345 678", "ES", "+34912345678"},
		{"CI", "07 07 12 34 56", "CI", "+2250707123456"},
		{"Niue", "1234 567", "NU", "+6831234567"},
		{"XK", "044 123 456", "XK", "+38344123456"},
		{"Plus", "+44 20 7946 0000", "", "+442079460000"},
		{"PlusAnyRegion", "+44 20 7946 0000", "DE", "+442079460000"},
		{"PlusUnknownRegion", "+44 20 7946 0000", "ZZ", "+442079460000"},
		{"PlusInParens", "(+44) 20 7946 0000", "US", "+442079460000"},
		{"PlusTrunkInParens", "+44 (0)20 7946 0000", "", "+442079460000"},
		{"PlusTrunkInParensDE", "+49(0)30 123456", "", "+4930123456"},
		{"DoubleZeroTrunkInParens", "0049 (0) 30 123456", "GB", "+4930123456"},
		{"PlusZeroInParensIT", "+39 (0)6 6982 1234", "", "+390669821234"},
		{"PlusZeroInParensLater", "+44 20 (0)7946 0000", "", "+4420079460000"},
		{"NationalZeroInParens", "(0)20 7946 0000", "GB", "+442079460000"},
		{"DoubleZero", "0044 20 7946 0000", "", "+442079460000"},
		{"DoubleZeroRegion", "0044 20 7946 0000", "FR", "+442079460000"},
		{"DoubleZeroSpaced", "00 44 20 7946 0000", "IT", "+442079460000"},
		{"NiueShortest", "+683 1234", "", "+6831234"},
		{"Longest", "+123 456 789 012 345", "", "+123456789012345"},
		{"NoRegion", "555 1234", "", "5551234"},
		{"UnknownRegion", "555 1234", "ZZ", "5551234"},
		{"NoRegionKeepsZero", "020 7946 0000", "", "02079460000"},
		{"ShortestNational", "1234", "", "1234"},
		{"Tabs", "\t020\t7946 0000\n", "GB", "+442079460000"},
		{"NoBreakSpace", "020\u00a07946\u00a00000", "GB", "+442079460000"},
		{"Result", "+442079460000", "GB", "+442079460000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.raw, tt.region)
			if err != nil {
				t.Fatalf("NormalizePhone(%q, %q): %v", tt.raw, tt.region, err)
			}
			if got != tt.want {
				t.Fatalf("NormalizePhone(%q, %q) = %q; want %q", tt.raw, tt.region, got, tt.want)
			}
			again, err := NormalizePhone(got, tt.region)
			if err != nil || again != got {
				t.Errorf("NormalizePhone(%q, %q) = %q, %v; want it unchanged", got, tt.region, again, err)
			}
		})
	}
}

func TestNormalizePhoneErrInvalid(t *testing.T) {
	tests := []struct {
		name, raw, region, reason string
	}{
		{"Empty", "", "GB", "empty"},
		{"Blank", " \t ", "GB", "empty"},
		{"OnlyFormatting", "(-) /.", "GB", "no digits"},
		{"OnlyPlus", "+", "", "no digits"},
		{"Letters", "020 7946 ABCD", "GB", `letter "A"`},
		{"Vanity", "1-800-FLOWERS", "US", `letter "F"`},
		{"Extension", "020 7946 0000 ext. 12", "GB", `letter "e"`},
		{"ExtensionX", "020 7946 0000 x12", "GB", `letter "x"`},
		{"Hash", "020 7946 0000 #12", "GB", `character "#"`},
		{"Star", "*123#", "", `character "*"`},
		{"Comma", "020 7946 0000, 12", "GB", `character ","`},
		{"PlusTwice", "++44 20 7946 0000", "", `"+" allowed only once`},
		{"PlusInside", "44+20 7946 0000", "", `"+" allowed only once`},
		{"PlusZero", "+0 20 7946 0000", "", "country code cannot start with 0"},
		{"TripleZero", "000 20 7946 0000", "GB", "country code cannot start with 0"},
		{"DoubleZeroOnly", "00", "", "no digits after the international prefix"},
		{"PlusTooShort", "+683 123", "", "too short"},
		{"PlusTooLong", "+123 456 789 012 3456", "", "too long"},
		{"DoubleZeroTooLong", "00 123 456 789 012 3456", "", "too long"},
		{"NationalTooShort", "123", "", "too short"},
		{"NationalTooLong", "1234567890123456", "", "too long"},
		{"RegionTooShort", "0123", "GB", "too short"},
		{"RegionOnlyTrunk", "0", "GB", "too short"},
		{"RegionTooLong", "0 1234 5678 9012 3456", "GB", "too long"},
		{"InvalidUTF8", "020 \xff 7946", "GB", "not valid UTF-8"},
		{"FullWidthDigits", "０２０ ７９４６ ００００", "GB", "character"},
		{"Huge", strings.Repeat("1", 10000), "", "more than 15 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.raw, tt.region)
			if err == nil {
				t.Fatalf("NormalizePhone(%q, %q) = %q; want an error", tt.raw, tt.region, got)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "crm: phone ") || !strings.Contains(msg, tt.reason) {
				t.Errorf("error %q; want it to start with %q and contain %q", msg, "crm: phone ", tt.reason)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error is %d bytes long; want a short message", len(err.Error()))
			}
			if got != "" {
				t.Errorf("result %q alongside an error; want \"\"", got)
			}
		})
	}
}

// iso3166 lists every ISO 3166-1 alpha-2 code.
const iso3166 = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI
KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP
MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX
SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU
WF WS YE YT ZA ZM ZW`

func TestPhoneCallingCode(t *testing.T) {
	noCode := map[string]bool{"AQ": true, "BV": true, "HM": true, "TF": true, "UM": true}
	regions := strings.Fields(iso3166)
	if len(regions) != 249 {
		t.Fatalf("%d ISO 3166-1 codes in the test; want 249", len(regions))
	}
	for _, r := range regions {
		cc := callingCode(r)
		if noCode[r] {
			if cc != "" {
				t.Errorf("callingCode(%q) = %q; want \"\"", r, cc)
			}
			continue
		}
		if cc == "" || len(cc) > 3 || cc[0] == '0' || strings.Trim(cc, "0123456789") != "" {
			t.Errorf("callingCode(%q) = %q; want 1 to 3 digits", r, cc)
		}
	}
	for r, want := range map[string]string{
		"US": "1", "CA": "1", "PR": "1", "JM": "1", "BS": "1", "GU": "1",
		"RU": "7", "KZ": "7", "GB": "44", "GG": "44", "JE": "44", "IM": "44",
		"DE": "49", "FR": "33", "IT": "39", "VA": "39", "AU": "61", "CX": "61",
		"NO": "47", "SJ": "47", "FI": "358", "AX": "358", "MA": "212", "EH": "212",
		"NU": "683", "TK": "690", "FK": "500", "GS": "500", "PN": "64", "XK": "383",
		"CW": "599", "BQ": "599", "SX": "1", "KP": "850", "HK": "852", "TW": "886",
	} {
		if got := callingCode(r); got != want {
			t.Errorf("callingCode(%q) = %q; want %q", r, got, want)
		}
	}
	for _, r := range []string{"", "gb", "Gb", "ZZ", "UK", "EU", "GBR", "G", "AC", "TA"} {
		if got := callingCode(r); got != "" {
			t.Errorf("callingCode(%q) = %q; want \"\"", r, got)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, seed := range []struct{ raw, region string }{
		{"020 7946 0000", "GB"},
		{"030 123456", "DE"},
		{"(415) 555-2671", "US"},
		{"1 415 555 2671", "US"},
		{"06 6982 1234", "IT"},
		{"8 (912) 345-67-89", "RU"},
		{"06 1 234 5678", "HU"},
		{"8 029 123 45 67", "BY"},
		{"+44 20 7946 0000", ""},
		{"0044 20 7946 0000", "fr"},
		{"+683 1234", ""},
		{"555 1234", ""},
		{"555 1234", "ZZ"},
		{"0", "GB"},
		{"00", ""},
		{"+", ""},
		{"(+44) 20", "US"},
		{"020 7946 0000 ext. 12", "GB"},
		{"\xff\xfe", "GB"},
		{"０２０", "GB"},
		{"", ""},
	} {
		f.Add(seed.raw, seed.region)
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := NormalizePhone(raw, region)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("NormalizePhone(%q, %q): error %v does not wrap ErrInvalid", raw, region, err)
			}
			if got != "" {
				t.Fatalf("NormalizePhone(%q, %q) = %q alongside error %v", raw, region, got, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("NormalizePhone(%q, %q): error message is not valid UTF-8: %q", raw, region, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "crm: phone ") || len(msg) > 512 {
				t.Fatalf("NormalizePhone(%q, %q): error %q does not name the phone, or is too long", raw, region, msg)
			}
			return
		}
		digits, plus := strings.CutPrefix(got, "+")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q, %q) = %q; want \"+\" and digits, or digits alone", raw, region, got)
		}
		if plus && (len(digits) < 7 || len(digits) > 15 || digits[0] == '0') {
			t.Fatalf("NormalizePhone(%q, %q) = %q; want 7 to 15 digits after \"+\", the first not 0", raw, region, got)
		}
		if !plus && (len(digits) < 4 || len(digits) > 15) {
			t.Fatalf("NormalizePhone(%q, %q) = %q; want 4 to 15 digits", raw, region, got)
		}
		again, err := NormalizePhone(got, region)
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q, %q) = %q, but normalising that again gives %q, %v", raw, region, got, again, err)
		}
		if plus {
			// An E.164 number carries its country: no region changes it.
			for _, other := range []string{"", "US", "IT", "RU", "ZZ"} {
				if again, err := NormalizePhone(got, other); err != nil || again != got {
					t.Fatalf("NormalizePhone(%q, %q) = %q, but in region %q that gives %q, %v", raw, region, got, other, again, err)
				}
			}
			cc := callingCode(strings.ToUpper(strings.TrimSpace(region)))
			first := strings.IndexAny(raw, "0123456789")
			carried := first >= 0 && (strings.Contains(raw[:first], "+") || strings.HasPrefix(strings.Map(func(r rune) rune {
				if '0' <= r && r <= '9' {
					return r
				}
				return -1
			}, raw), "00"))
			if !carried && cc != "" && !strings.HasPrefix(digits, cc) {
				t.Fatalf("NormalizePhone(%q, %q) = %q; want the calling code %s of the region", raw, region, got, cc)
			}
		}
	})
}
