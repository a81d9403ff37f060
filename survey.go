package crm

// Listening to customers — surveys with NPS, CSAT and CES scores, their
// confidence intervals, breakdowns and closed-loop follow-up — lives in
// this file. Responses belong to a customer and join merges through a
// [ChildKind].
