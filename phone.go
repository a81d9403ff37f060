package crm

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on the number of digits NormalizePhone accepts.
const (
	// phoneMinE164 is the fewest digits after the "+": a three-digit
	// country code and a four-digit subscriber number, as in Niue
	// (+683 1234) and Tokelau (+690 1234).
	phoneMinE164 = 7
	// phoneMaxDigits is the most digits of any number (ITU-T E.164).
	phoneMaxDigits = 15
	// phoneMinNational is the fewest digits of a number kept without a
	// country code, and of the national part of one given a region.
	phoneMinNational = 4
)

// NormalizePhone reduces a phone number to a canonical form: "+" and
// digits (E.164) when the country is known, digits alone when it is not.
//
// Spaces (any Unicode white space), dashes, dots, slashes and parentheses
// are formatting and are dropped. A "+" may appear once, before the first
// digit. Any other character is an error: letters, "#", "*", full-width
// digits, and so also extensions ("020 7946 0000 ext. 12", "x12") and
// vanity numbers ("1-800-FLOWERS"), which callers must split off or spell
// out first.
//
// The country code is taken from, in order:
//
//   - a leading "+" or "00" (the international prefix), which means the
//     number carries it: the result is "+" and the digits that follow,
//     the first of which must not be 0. A "(0)" right after the country
//     code is the trunk prefix and is dropped ("+44 (0)20 7946 0000" is
//     "+442079460000"), except after 39, 378, 225, 229, 241 and 242
//     (IT and VA, SM, CI, BJ, GA, CG), whose numbers keep their leading 0.
//   - region, an ISO 3166-1 alpha-2 code of a country with an ITU calling
//     code (case-insensitive, such as "GB"; "XK" for Kosovo is known too).
//     The national trunk prefix is dropped when present and
//     "+<calling code>" prepended. The prefix is a leading 0 in most
//     countries (GB "020 7946 0000" is "+442079460000"); 1 before ten
//     digits in the NANP countries (US "1 415 555 2671" is
//     "+14155552671"); 8 before ten digits in RU and KZ; 80 (or 8 or 0)
//     in BY; 8 in TM and UZ; 0 or 8 in LT; 06 in HU; 01 before ten digits
//     in MX; 1 in MH. Countries without a trunk prefix keep a leading 0:
//     IT, SM and VA (IT "06 6982 1234" is "+390669821234"), CI, BJ, CG
//     and GA, and the others that dial none, such as ES, PT, GR, NO, DK,
//     IS, PL, CZ, EE and LV (the table follows the national prefixes of
//     Google's libphonenumber metadata).
//   - otherwise (region empty or unknown) the number is returned as
//     digits alone, without "+".
//
// Lengths follow E.164, with no per-country rules: a "+" result has 7 to
// 15 digits (7 admits the shortest real numbers, such as Niue's
// "+6831234"), a digits-only result 4 to 15, and the national part of a
// number completed from region at least 4.
//
// Errors wrap [ErrInvalid] and name the problem, such as
// `crm: phone "+0 20": country code cannot start with 0: crm: invalid input`.
// NormalizePhone never panics, whatever the input (invalid UTF-8 is an
// error), and is idempotent: normalising its result again with the same
// region returns it unchanged.
func NormalizePhone(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", phoneError(raw, "empty")
	}

	var b strings.Builder
	b.Grow(len(s))
	plus := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return "", phoneError(raw, "not valid UTF-8")
		case '0' <= r && r <= '9':
			b.WriteByte(byte(r))
		case r == '+':
			if plus || b.Len() > 0 {
				return "", phoneError(raw, `"+" allowed only once, before the first digit`)
			}
			plus = true
		case r == '(' && strings.HasPrefix(s[i:], "(0)") && droppableZero(plus, b.String()):
			i += len("(0)") // "+44 (0)20 …": the trunk prefix, not dialled from abroad
			continue
		case r == '-' || r == '.' || r == '/' || r == '(' || r == ')' || unicode.IsSpace(r):
			// formatting
		case unicode.IsLetter(r):
			return "", phoneError(raw, fmt.Sprintf("letter %q not allowed (extensions and vanity numbers are not accepted)", string(r)))
		default:
			return "", phoneError(raw, fmt.Sprintf("character %q not allowed", string(r)))
		}
		i += size
		if b.Len() > 2*phoneMaxDigits {
			return "", phoneError(raw, fmt.Sprintf("more than %d digits", phoneMaxDigits))
		}
	}
	digits := b.String()
	if digits == "" {
		return "", phoneError(raw, "no digits")
	}

	if !plus && strings.HasPrefix(digits, "00") {
		plus, digits = true, digits[2:]
	}
	if plus {
		return phoneE164(raw, digits)
	}

	region = strings.ToUpper(strings.TrimSpace(region))
	if cc := callingCode(region); cc != "" {
		national := stripTrunkPrefix(region, digits)
		if len(national) < phoneMinNational {
			return "", phoneError(raw, fmt.Sprintf("too short: %d digits without the trunk prefix, want at least %d", len(national), phoneMinNational))
		}
		return phoneE164(raw, cc+national)
	}

	if len(digits) < phoneMinNational {
		return "", phoneError(raw, fmt.Sprintf("too short: %d digits, want at least %d", len(digits), phoneMinNational))
	}
	if len(digits) > phoneMaxDigits {
		return "", phoneError(raw, fmt.Sprintf("too long: %d digits, want at most %d", len(digits), phoneMaxDigits))
	}
	return digits, nil
}

// droppableZero reports whether a "(0)" that follows digits, in a number
// whose "+" was seen when plus, is a trunk prefix written after the
// country code, as in "+44 (0)20 7946 0000". It is when the digits are an
// international prefix and a country code of 1 to 3 digits, and the
// country is not one where a leading 0 belongs to the number.
func droppableZero(plus bool, digits string) bool {
	if !plus {
		var ok bool
		if digits, ok = strings.CutPrefix(digits, "00"); !ok {
			return false
		}
	}
	switch digits {
	case "", "39", "378", "225", "229", "241", "242": // IT and VA, SM, CI, BJ, GA, CG
		return false
	}
	return len(digits) <= 3
}

// phoneE164 checks digits, a country code and national number, and returns
// them after a "+".
func phoneE164(raw, digits string) (string, error) {
	switch {
	case digits == "":
		return "", phoneError(raw, "no digits after the international prefix")
	case digits[0] == '0':
		return "", phoneError(raw, "country code cannot start with 0")
	case len(digits) < phoneMinE164:
		return "", phoneError(raw, fmt.Sprintf("too short: %d digits with the country code, want at least %d", len(digits), phoneMinE164))
	case len(digits) > phoneMaxDigits:
		return "", phoneError(raw, fmt.Sprintf("too long: %d digits with the country code, want at most %d", len(digits), phoneMaxDigits))
	}
	return "+" + digits, nil
}

func phoneError(raw, reason string) error {
	return fmt.Errorf("crm: phone %s: %s: %w", quoteInput(raw), reason, ErrInvalid)
}

// quoteInput quotes user input for an error message, cut to 64 bytes so
// that a huge input makes no huge message.
func quoteInput(s string) string {
	const max = 64
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q…", s[:cut])
}

// trunkPrefix is one national trunk prefix: dropped from a number that
// starts with it and, when length is not 0, has exactly length digits.
type trunkPrefix struct {
	prefix string
	length int
}

// stripTrunkPrefix drops the national trunk prefix of region (upper case,
// known to callingCode) from digits, when digits start with it.
func stripTrunkPrefix(region, digits string) string {
	for _, t := range trunkPrefixes(region) {
		if strings.HasPrefix(digits, t.prefix) && (t.length == 0 || len(digits) == t.length) {
			return digits[len(t.prefix):]
		}
	}
	return digits
}

// trunkPrefixes returns the trunk prefixes of region, most specific first.
// The table follows the national prefixes of Google's libphonenumber
// metadata, simplified to fixed strings.
func trunkPrefixes(region string) []trunkPrefix {
	switch region {
	// The NANP: 1 before a ten-digit number.
	case "AG", "AI", "AS", "BB", "BM", "BS", "CA", "DM", "DO", "GD", "GU",
		"JM", "KN", "KY", "LC", "MP", "MS", "PR", "SX", "TC", "TT", "US",
		"VC", "VG", "VI":
		return []trunkPrefix{{"1", 11}}
	case "MH": // Marshall Islands: 1 before a seven-digit number
		return []trunkPrefix{{"1", 8}}
	case "RU", "KZ":
		return []trunkPrefix{{"8", 11}}
	case "BY":
		return []trunkPrefix{{"80", 11}, {"8", 10}, {"0", 10}}
	case "TM":
		return []trunkPrefix{{"8", 9}}
	case "UZ":
		return []trunkPrefix{{"8", 10}}
	case "LT":
		return []trunkPrefix{{"0", 0}, {"8", 0}}
	case "HU":
		return []trunkPrefix{{"06", 0}}
	case "MX":
		return []trunkPrefix{{"01", 12}}
	// No trunk prefix: a leading 0 belongs to the number (IT, SM, VA, CI,
	// BJ, CG, GA), or numbers never start with 0.
	case "AD", "AO", "AW", "BF", "BH", "BI", "BJ", "BN", "BQ", "BT", "BW",
		"BZ", "CF", "CG", "CI", "CK", "CL", "CM", "CR", "CV", "CW", "CY",
		"CZ", "DJ", "DK", "EE", "ES", "FJ", "FK", "FM", "FO", "GA", "GI",
		"GL", "GM", "GN", "GQ", "GR", "GS", "GT", "GW", "GY", "HK", "HN",
		"HT", "IO", "IS", "IT", "KM", "KW", "LS", "LU", "LV", "ML", "MO",
		"MR", "MT", "MU", "MV", "MZ", "NC", "NE", "NF", "NI", "NO", "NR",
		"NU", "OM", "PA", "PF", "PG", "PL", "PN", "PT", "PW", "QA", "SB",
		"SC", "SG", "SH", "SJ", "SM", "SN", "SR", "ST", "SV", "SZ", "TD",
		"TG", "TJ", "TK", "TL", "TN", "TO", "TV", "VA", "VU", "WF", "WS":
		return nil
	}
	return []trunkPrefix{{"0", 0}}
}

// callingCode returns the ITU-T E.164 country calling code, without "+",
// of region, an upper-case ISO 3166-1 alpha-2 code, or "" when region is
// unknown or has no calling code of its own (AQ, BV, HM, TF, UM). Regions
// sharing a code share it here: the NANP countries all have "1", Russia
// and Kazakhstan "7", the UK and the Crown Dependencies "44". "XK"
// (Kosovo, a user-assigned code) has "383".
func callingCode(region string) string {
	switch region {
	case "AG", "AI", "AS", "BB", "BM", "BS", "CA", "DM", "DO", "GD", "GU", "JM", "KN", "KY", "LC", "MP", "MS", "PR", "SX", "TC", "TT", "US", "VC", "VG", "VI":
		return "1"
	case "KZ", "RU":
		return "7"
	case "EG":
		return "20"
	case "ZA":
		return "27"
	case "GR":
		return "30"
	case "NL":
		return "31"
	case "BE":
		return "32"
	case "FR":
		return "33"
	case "ES":
		return "34"
	case "HU":
		return "36"
	case "IT", "VA":
		return "39"
	case "RO":
		return "40"
	case "CH":
		return "41"
	case "AT":
		return "43"
	case "GB", "GG", "IM", "JE":
		return "44"
	case "DK":
		return "45"
	case "SE":
		return "46"
	case "NO", "SJ":
		return "47"
	case "PL":
		return "48"
	case "DE":
		return "49"
	case "PE":
		return "51"
	case "MX":
		return "52"
	case "CU":
		return "53"
	case "AR":
		return "54"
	case "BR":
		return "55"
	case "CL":
		return "56"
	case "CO":
		return "57"
	case "VE":
		return "58"
	case "MY":
		return "60"
	case "AU", "CC", "CX":
		return "61"
	case "ID":
		return "62"
	case "PH":
		return "63"
	case "NZ", "PN":
		return "64"
	case "SG":
		return "65"
	case "TH":
		return "66"
	case "JP":
		return "81"
	case "KR":
		return "82"
	case "VN":
		return "84"
	case "CN":
		return "86"
	case "TR":
		return "90"
	case "IN":
		return "91"
	case "PK":
		return "92"
	case "AF":
		return "93"
	case "LK":
		return "94"
	case "MM":
		return "95"
	case "IR":
		return "98"
	case "SS":
		return "211"
	case "EH", "MA":
		return "212"
	case "DZ":
		return "213"
	case "TN":
		return "216"
	case "LY":
		return "218"
	case "GM":
		return "220"
	case "SN":
		return "221"
	case "MR":
		return "222"
	case "ML":
		return "223"
	case "GN":
		return "224"
	case "CI":
		return "225"
	case "BF":
		return "226"
	case "NE":
		return "227"
	case "TG":
		return "228"
	case "BJ":
		return "229"
	case "MU":
		return "230"
	case "LR":
		return "231"
	case "SL":
		return "232"
	case "GH":
		return "233"
	case "NG":
		return "234"
	case "TD":
		return "235"
	case "CF":
		return "236"
	case "CM":
		return "237"
	case "CV":
		return "238"
	case "ST":
		return "239"
	case "GQ":
		return "240"
	case "GA":
		return "241"
	case "CG":
		return "242"
	case "CD":
		return "243"
	case "AO":
		return "244"
	case "GW":
		return "245"
	case "IO":
		return "246"
	case "SC":
		return "248"
	case "SD":
		return "249"
	case "RW":
		return "250"
	case "ET":
		return "251"
	case "SO":
		return "252"
	case "DJ":
		return "253"
	case "KE":
		return "254"
	case "TZ":
		return "255"
	case "UG":
		return "256"
	case "BI":
		return "257"
	case "MZ":
		return "258"
	case "ZM":
		return "260"
	case "MG":
		return "261"
	case "RE", "YT":
		return "262"
	case "ZW":
		return "263"
	case "NA":
		return "264"
	case "MW":
		return "265"
	case "LS":
		return "266"
	case "BW":
		return "267"
	case "SZ":
		return "268"
	case "KM":
		return "269"
	case "SH":
		return "290"
	case "ER":
		return "291"
	case "AW":
		return "297"
	case "FO":
		return "298"
	case "GL":
		return "299"
	case "GI":
		return "350"
	case "PT":
		return "351"
	case "LU":
		return "352"
	case "IE":
		return "353"
	case "IS":
		return "354"
	case "AL":
		return "355"
	case "MT":
		return "356"
	case "CY":
		return "357"
	case "AX", "FI":
		return "358"
	case "BG":
		return "359"
	case "LT":
		return "370"
	case "LV":
		return "371"
	case "EE":
		return "372"
	case "MD":
		return "373"
	case "AM":
		return "374"
	case "BY":
		return "375"
	case "AD":
		return "376"
	case "MC":
		return "377"
	case "SM":
		return "378"
	case "UA":
		return "380"
	case "RS":
		return "381"
	case "ME":
		return "382"
	case "XK":
		return "383"
	case "HR":
		return "385"
	case "SI":
		return "386"
	case "BA":
		return "387"
	case "MK":
		return "389"
	case "CZ":
		return "420"
	case "SK":
		return "421"
	case "LI":
		return "423"
	case "FK", "GS":
		return "500"
	case "BZ":
		return "501"
	case "GT":
		return "502"
	case "SV":
		return "503"
	case "HN":
		return "504"
	case "NI":
		return "505"
	case "CR":
		return "506"
	case "PA":
		return "507"
	case "PM":
		return "508"
	case "HT":
		return "509"
	case "BL", "GP", "MF":
		return "590"
	case "BO":
		return "591"
	case "GY":
		return "592"
	case "EC":
		return "593"
	case "GF":
		return "594"
	case "PY":
		return "595"
	case "MQ":
		return "596"
	case "SR":
		return "597"
	case "UY":
		return "598"
	case "BQ", "CW":
		return "599"
	case "TL":
		return "670"
	case "NF":
		return "672"
	case "BN":
		return "673"
	case "NR":
		return "674"
	case "PG":
		return "675"
	case "TO":
		return "676"
	case "SB":
		return "677"
	case "VU":
		return "678"
	case "FJ":
		return "679"
	case "PW":
		return "680"
	case "WF":
		return "681"
	case "CK":
		return "682"
	case "NU":
		return "683"
	case "WS":
		return "685"
	case "KI":
		return "686"
	case "NC":
		return "687"
	case "TV":
		return "688"
	case "PF":
		return "689"
	case "TK":
		return "690"
	case "FM":
		return "691"
	case "MH":
		return "692"
	case "KP":
		return "850"
	case "HK":
		return "852"
	case "MO":
		return "853"
	case "KH":
		return "855"
	case "LA":
		return "856"
	case "BD":
		return "880"
	case "TW":
		return "886"
	case "MV":
		return "960"
	case "LB":
		return "961"
	case "JO":
		return "962"
	case "SY":
		return "963"
	case "IQ":
		return "964"
	case "KW":
		return "965"
	case "SA":
		return "966"
	case "YE":
		return "967"
	case "OM":
		return "968"
	case "PS":
		return "970"
	case "AE":
		return "971"
	case "IL":
		return "972"
	case "BH":
		return "973"
	case "QA":
		return "974"
	case "BT":
		return "975"
	case "MN":
		return "976"
	case "NP":
		return "977"
	case "TJ":
		return "992"
	case "TM":
		return "993"
	case "AZ":
		return "994"
	case "GE":
		return "995"
	case "KG":
		return "996"
	case "UZ":
		return "998"
	}
	return ""
}
