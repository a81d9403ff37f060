// Package report draws the results of package crm as self-contained SVG
// charts: the sales funnel ([Funnel]), the forecast by period and
// category ([Forecast]), NPS over time with its confidence band
// ([NPSTrend]), cohort retention ([CohortHeatMap]), the RFM grid
// ([RFMGrid]), the ABC value tiers ([TierShares]) and the account-manager
// scorecards ([Scorecards]).
//
// Every chart is one <svg> element that works offline and in email: no
// script, no foreignObject, no style sheet, no external reference (font,
// image or link); text uses a generic system font stack. Each has a
// <title> (the heading) and a <desc> (a one-sentence summary of the data)
// that role="img" and aria-labelledby point to, for screen readers and
// for clients that do not render SVG. All text is XML-escaped. The ids of
// a chart start with its kind and a hash of its title and summary, or
// with [Options.IDPrefix], so charts inlined into one HTML page do not
// clash.
//
// Colours are readable with colour-vision deficiencies: categories use
// the Okabe–Ito palette, heat maps a single-hue sequential scale, and no
// chart relies on colour alone: legends, direct labels and the values
// are written on or next to the marks. Numbers, percentages, money and
// months are formatted with a [Locale]; money is formatted exactly from
// its decimal, rounded half to even to the currency's minor unit.
//
// Output is deterministic: the same input gives the same bytes, so
// golden files are stable. Empty input draws a valid chart saying
// "No data"; a nil report is an error wrapping [ErrNoReport]. The chart
// functions are safe for concurrent use.
//
// A [Dashboard] composes the charts for a period: [Load] reads it from a
// crm.Client, [Dashboard.WriteHTML] writes it as one HTML page (the charts
// inline, the styles inline, no script), [WriteFile] writes that page to
// a file, and [Handler] serves it, ?period=2026-03 and ?lang=de chosen by
// the request.
package report
