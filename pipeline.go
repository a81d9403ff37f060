package crm

// The sales process — leads, pipelines of stages, opportunities with their
// stage history, orders and payments, forecasts and funnel analytics —
// lives in this file. The customer archive it builds on is in customer.go;
// merges already move every [ChildKind], so the records of the sales
// process join a merge by providing one.
