package crm

// CurrencyDigits returns the number of minor-unit digits (decimal places)
// of an active ISO 4217 currency code, and whether the code is known:
// 2 for "EUR" and "USD", 0 for "JPY" and "KRW", 3 for "BHD", "IQD", "JOD",
// "KWD", "LYD", "OMR" and "TND", 4 for "CLF" and "UYW".
//
// The code must be exactly three upper-case letters as ISO writes it;
// "eur" and " EUR" are unknown (callers such as [NewMoney] upper-case and
// trim first). The table is ISO 4217 List One as amended up to amendment
// 180 (1 January 2026), which includes the fund codes (BOV, CHE, CHW, CLF,
// COU, MXV, USN, UYI, UYW, XAD, XSU, XUA).
//
// Codes that ISO lists with no minor unit ("N.A."): the precious metals
// XAU, XAG, XPD and XPT, the SDR (XDR), the Sucre (XSU), the ADB unit of
// account (XUA) and the bond-market units XBA–XBD, are known, with digits 0, so [Money] accepts them; note that
// [Money.Round] then rounds to whole units. XTS (reserved for testing) and
// XXX (no currency) are not known, since neither is money.
//
// Withdrawn codes are not known, including recent ones whose amounts may
// still sit in old records: ANG (Netherlands Antillean guilder, replaced
// by XCG in 2025), BGN (Bulgarian lev, replaced by EUR in 2026), CUC
// (2021), HRK (2023), SLL (2023), ZWL (2024), and every older code such
// as DEM or FRF.
func CurrencyDigits(code string) (digits int, ok bool) {
	switch code {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
		"RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0, true
	case "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT",
		"XSU", "XUA":
		return 0, true // ISO: no minor unit
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3, true
	case "CLF", "UYW":
		return 4, true
	case "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN",
		"BAM", "BBD", "BDT", "BMD", "BND", "BOB", "BOV", "BRL", "BSD",
		"BTN", "BWP", "BYN", "BZD",
		"CAD", "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC",
		"CUP", "CVE", "CZK",
		"DKK", "DOP", "DZD",
		"EGP", "ERN", "ETB", "EUR",
		"FJD", "FKP",
		"GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD",
		"HKD", "HNL", "HTG", "HUF",
		"IDR", "ILS", "INR", "IRR",
		"JMD",
		"KES", "KGS", "KHR", "KPW", "KYD", "KZT",
		"LAK", "LBP", "LKR", "LRD", "LSL",
		"MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
		"MVR", "MWK", "MXN", "MXV", "MYR", "MZN",
		"NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
		"PAB", "PEN", "PGK", "PHP", "PKR", "PLN",
		"QAR",
		"RON", "RSD", "RUB",
		"SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS",
		"SRD", "SSP", "STN", "SVC", "SYP", "SZL",
		"THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS",
		"UAH", "USD", "USN", "UYU", "UZS",
		"VED", "VES",
		"WST",
		"XAD", "XCD", "XCG",
		"YER",
		"ZAR", "ZMW", "ZWG":
		return 2, true
	}
	return 0, false
}
