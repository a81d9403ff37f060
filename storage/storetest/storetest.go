// Package storetest is the conformance suite for [crm.Store]
// implementations: the executable form of the contract written in the
// documentation of [crm.Store], [crm.CustomerStore], [crm.ContactStore],
// [crm.PipelineStore], [crm.OpportunityStore], [crm.LeadStore],
// [crm.OrderStore], [crm.SegmentStore], [crm.SurveyStore], [crm.CaseStore],
// [crm.InteractionStore], [crm.TaskStore], [crm.OwnershipStore] and [crm.LogStore]. Every
// adapter under storage/ runs it, and so can an adapter written anywhere else. A behaviour is
// specified here once, and every adapter passes it or its build is red.
//
// An adapter's own test calls [Run] with a function that opens a fresh,
// empty store for one subtest and registers its cleanup:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) crm.Store {
//			s := memory.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run is split into subtests named after the aggregate and the behaviour
// ("Customer/RoundTrip", "Customer/Filter/Tags/All", "Contact/Move",
// "Pipeline/Copies", "Opportunity/Filter/CloseBefore",
// "Opportunity/History/Order", "Tx/Rollback", "Merge/RepointsChildren",
// "Context/Canceled/UpdateCustomer", ...), so a failure
// names what broke and
//
//	go test -run 'TestConformance/Customer/Filter' ./storage/memory
//
// reruns one area. The Merge checks drive a [crm.Client] over the store,
// since merging is the Client's work done through the Store: they prove
// that a merge re-points every child record on this adapter; so does
// FollowUp/Idempotent, which proves that concurrent follow-ups of survey
// responses open one case each.
//
// A Store neither validates nor generates anything, so
// the suite builds its records the way the [crm.Client] would: IDs from a
// [crm.UUIDv7] generator, Version 1 on create, timestamps set. It gives
// times with nanoseconds in a zone other than UTC and expects them back in
// UTC truncated to the microsecond ([crm.Timestamp]); it compares
// decimals and custom values by value, never by representation.
//
// Where the contract leaves room, the suite reads it as follows, and an
// adapter must too:
//   - a page that comes with a cursor for a next page is full (Limit rows,
//     or DefaultPageLimit for 0); a full last page may still come with a
//     cursor if the page after it is empty;
//   - a failed update (UpdateCustomer, UpdateContact, UpdatePipeline,
//     UpdateOpportunity, UpdateOrder, UpdateSurvey) leaves the Version of the value
//     passed in as it was;
//   - a nil slice or map and an empty one are the same;
//   - emails, phones and tags come back in the order they were stored
//     (the suite stores tags already sorted), and so do a pipeline's
//     stages, the fields each stage requires and its lost reasons, and
//     an order's lines;
//   - Search ignores case for every letter, not only ASCII ones, and
//     treats "%" and "_" as plain text.
//
// The suite is meant to run under the race detector (go test -race): one
// subtest updates a customer from 16 goroutines at once.
//
// Load/Concurrent drives a [crm.Client] over the store with [Load], 16
// goroutines of mixed reads, writes, deal moves, orders, payments and
// merges for 10 seconds (2 with go test -short, or as long as
// $CRM_LOAD_DURATION says), then checks [CheckInvariants]: no lost
// update, money conserved, no orphan record, deal histories whole. An
// adapter's crash test runs the same Load in a child process it kills,
// and checks the same invariants against the operations it had
// acknowledged ([LoadOptions.Acked], [ParseOp], [Ledger.Record]).
package storetest

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// Run checks that the stores open returns behave as the [crm.Store]
// contract says. It calls open once per subtest, with that subtest's t;
// open must return a new, empty store and arrange with t.Cleanup to
// release it. Subtests run one after another, never in parallel, so open
// may hand out stores that share a database server as long as each one
// starts empty.
func Run(t *testing.T, open func(t *testing.T) crm.Store) {
	t.Helper()
	for _, tc := range suite() {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			require.NotNil(t, s, "open returned a nil Store")
			tc.run(t, s)
		})
	}
	// Close comes last, after every other behaviour has been checked: it
	// returns nil once, and every call after it fails.
	t.Run("Close", func(t *testing.T) {
		s := open(t)
		require.NotNil(t, s, "open returned a nil Store")
		assert.NoError(t, s.Close(), "Close of an open store")
		_, err := s.FindCustomerByID(t.Context(), "any")
		assert.Error(t, err, "FindCustomerByID after Close")
		assert.NotErrorIs(t, err, crm.ErrNotFound, "after Close the store is gone, not empty")
		_, _, err = s.FindContacts(t.Context(), crm.ContactFilter{})
		assert.Error(t, err, "FindContacts after Close")
		_, err = s.FindPipelines(t.Context())
		assert.Error(t, err, "FindPipelines after Close")
		_, _, err = s.FindOpportunityChanges(t.Context(), crm.OpportunityChangeFilter{})
		assert.Error(t, err, "FindOpportunityChanges after Close")
		_, _, err = s.FindOrders(t.Context(), crm.OrderFilter{})
		assert.Error(t, err, "FindOrders after Close")
		_, err = s.CustomerExposure(t.Context(), "any")
		assert.Error(t, err, "CustomerExposure after Close")
		assert.Error(t, s.Close(), "a second Close")
	})
}

// concurrentCheck matches the names of the checks that use a store from
// several goroutines at once.
var concurrentCheck = regexp.MustCompile(`Concurrent|Idempotent|ExactlyOnce|Workers|WhileInserting`)

// RunConcurrent runs the checks of [Run] that use a store from several
// goroutines at once: those a race detector can find fault with. An
// adapter whose database engine the race detector slows down many times
// over (the pure-Go SQLite) may run these under -race and [Run] without.
func RunConcurrent(t *testing.T, open func(t *testing.T) crm.Store) {
	t.Helper()
	n := 0
	for _, tc := range suite() {
		if !concurrentCheck.MatchString(tc.name) {
			continue
		}
		n++
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			require.NotNil(t, s, "open returned a nil Store")
			tc.run(t, s)
		})
	}
	require.NotZero(t, n, "no concurrent checks")
}

// check is one subtest: a name and what it does with a fresh store.
type check struct {
	name string
	run  func(t *testing.T, s crm.Store)
}

// suite lists every subtest but Close, in the order Run runs them.
func suite() []check {
	checks := []check{
		{"Customer/RoundTrip", testCustomerRoundTrip},
		{"Customer/ZeroValues", testCustomerZeroValues},
		{"Customer/NotFound", testCustomerNotFound},
		{"Customer/Duplicate", testCustomerDuplicate},
		{"Customer/Update", testCustomerUpdate},
		{"Customer/StaleVersion", testCustomerStaleVersion},
		{"Customer/Copies", testCustomerCopies},
		{"Customer/ConcurrentUpdates", testCustomerConcurrentUpdates},
		{"Customer/Bulk/RoundTrip", testCustomerBulkRoundTrip},
		{"Customer/Bulk/Duplicate", testCustomerBulkDuplicate},
		{"Customer/Bulk/Rollback", testCustomerBulkRollback},
		{"Customer/Bulk/Copies", testCustomerBulkCopies},
		{"Customer/KeysFollowWrites", testCustomerKeysFollowWrites},
	}
	for _, fc := range customerFilterCases() {
		checks = append(checks, check{"Customer/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{
		{"Customer/Filter/Search/NonASCII", testCustomerSearchNonASCII},
		{"Customer/Paginate", testCustomerPaginate},
		{"Customer/PaginateWhileInserting", testCustomerPaginateWhileInserting},
		{"Customer/DefaultLimit", testCustomerDefaultLimit},
		{"Segment/Rule", testSegmentRule},
		{"Segment/RuleInvalid", testSegmentRuleInvalid},
		{"Segment/RoundTrip", testSegmentRoundTrip},
		{"Segment/Paginate", testSegmentPaginate},
		{"Segment/Snapshots", testSegmentSnapshots},
		{"Segment/Snapshots/Rollback", testSegmentSnapshotRollback},
		{"Segment/Snapshots/Diff", testSegmentSnapshotDiff},

		{"Contact/RoundTrip", testContactRoundTrip},
		{"Contact/ZeroValues", testContactZeroValues},
		{"Contact/NotFound", testContactNotFound},
		{"Contact/Duplicate", testContactDuplicate},
		{"Contact/Update", testContactUpdate},
		{"Contact/StaleVersion", testContactStaleVersion},
		{"Contact/Delete", testContactDelete},
		{"Contact/Filter", testContactFilter},
		{"Contact/Paginate", testContactPaginate},
		{"Contact/PaginateWhileInserting", testContactPaginateWhileInserting},
		{"Contact/Copies", testContactCopies},
		{"Contact/Move", testContactMove},
		{"Contact/MoveMissingTarget", testContactMoveMissingTarget},

		{"Pipeline/RoundTrip", testPipelineRoundTrip},
		{"Pipeline/NotFound", testPipelineNotFound},
		{"Pipeline/Duplicate", testPipelineDuplicate},
		{"Pipeline/Update", testPipelineUpdate},
		{"Pipeline/StaleVersion", testPipelineStaleVersion},
		{"Pipeline/List", testPipelineList},
		{"Pipeline/Copies", testPipelineCopies},

		{"Opportunity/RoundTrip", testOpportunityRoundTrip},
		{"Opportunity/ZeroValues", testOpportunityZeroValues},
		{"Opportunity/NotFound", testOpportunityNotFound},
		{"Opportunity/Duplicate", testOpportunityDuplicate},
		{"Opportunity/Update", testOpportunityUpdate},
		{"Opportunity/StaleVersion", testOpportunityStaleVersion},
		{"Opportunity/Copies", testOpportunityCopies},
	}...)
	for _, fc := range opportunityFilterCases() {
		checks = append(checks, check{"Opportunity/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{
		{"Opportunity/Paginate", testOpportunityPaginate},
		{"Opportunity/PaginateWhileInserting", testOpportunityPaginateWhileInserting},
		{"Opportunity/Limits", testOpportunityLimits},
		{"Opportunity/History/Order", testOpportunityHistoryOrder},
		{"Opportunity/History/RoundTrip", testOpportunityHistoryRoundTrip},
		{"Opportunity/History/Duplicate", testOpportunityHistoryDuplicate},
		{"Opportunity/History/NotFound", testOpportunityHistoryNotFound},
		{"Opportunity/History/Paginate", testOpportunityHistoryPaginate},
		{"Opportunity/History/PaginateWhileInserting", testOpportunityHistoryPaginateWhileInserting},
		{"Opportunity/Move", testOpportunityMove},
		{"Opportunity/MoveMissingTarget", testOpportunityMoveMissingTarget},
		{"Opportunity/Tx/Commit", testOpportunityTxCommit},
		{"Opportunity/Tx/Rollback", testOpportunityTxRollback},

		{"Lead/RoundTrip", testLeadRoundTrip},
		{"Lead/ZeroValues", testLeadZeroValues},
		{"Lead/NotFound", testLeadNotFound},
		{"Lead/Duplicate", testLeadDuplicate},
		{"Lead/Update", testLeadUpdate},
		{"Lead/StaleVersion", testLeadStaleVersion},
		{"Lead/Copies", testLeadCopies},
		{"Lead/Paginate", testLeadPaginate},
		{"Lead/Move", testLeadMove},
		{"Lead/Tx/Rollback", testLeadTxRollback},
	}...)
	for _, fc := range leadFilterCases() {
		checks = append(checks, check{"Lead/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{
		{"Order/RoundTrip", testOrderRoundTrip},
		{"Order/ZeroValues", testOrderZeroValues},
		{"Order/NotFound", testOrderNotFound},
		{"Order/Duplicate", testOrderDuplicate},
		{"Order/Update", testOrderUpdate},
		{"Order/Copies", testOrderCopies},
		{"Order/Filter", testOrderFilter},
		{"Order/Paginate", testOrderPaginate},
		{"Order/Tx/Rollback", testOrderTxRollback},
		{"Order/Move", testOrderMove},
		{"Order/Exposure", testOrderExposure},
		{"Order/CreditLimitConcurrent", testOrderCreditConcurrent},
		{"Order/Context/Canceled", testOrderContextCanceled},
		{"Summary/Values", testSummaryValues},
		{"Summary/Filter", testSummaryFilter},
		{"Summary/Paginate", testSummaryPaginate},
		{"Summary/Invalid", testSummaryInvalid},
		{"Cohort/Values", testCohortValues},
		{"Cohort/Empty", testCohortEmpty},
		{"Cohort/Invalid", testCohortInvalid},
		{"Payment/RoundTrip", testPaymentRoundTrip},

		{"Survey/RoundTrip", testSurveyRoundTrip},
		{"Survey/NotFound", testSurveyNotFound},
		{"Survey/Duplicate", testSurveyDuplicate},
		{"Survey/Update", testSurveyUpdate},
		{"Survey/Paginate", testSurveyPaginate},
		{"Survey/Context/Canceled", testSurveyContextCanceled},
		{"Response/RoundTrip", testResponseRoundTrip},
		{"Response/NotFound", testResponseNotFound},
		{"Response/Duplicate", testResponseDuplicate},
		{"Response/Concurrent", testResponseConcurrent},
		{"Response/Paginate", testResponsePaginate},
		{"Response/Move", testResponseMove},
		{"Response/EraseComments", testResponseEraseComments},
		{"Response/Scores", testResponseScores},
		{"Response/Tx/Rollback", testResponseTxRollback},
		{"Response/Filter", testResponseFilter},
		{"Case/RoundTrip", testCaseRoundTrip},
		{"Case/ZeroValues", testCaseZeroValues},
		{"Case/NotFound", testCaseNotFound},
		{"Case/Duplicate", testCaseDuplicate},
		{"Case/Update", testCaseUpdate},
		{"Case/StaleVersion", testCaseStaleVersion},
		{"Case/Copies", testCaseCopies},
		{"Case/Paginate", testCasePaginate},
		{"Case/History", testCaseHistory},
		{"Case/Move", testCaseMove},
		{"Case/Tx/Rollback", testCaseTxRollback},
	}...)
	for _, fc := range caseFilterCases() {
		checks = append(checks, check{"Case/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{
		{"Interaction/RoundTrip", testInteractionRoundTrip},
		{"Interaction/NotFound", testInteractionNotFound},
		{"Interaction/Duplicate", testInteractionDuplicate},
		{"Interaction/Update", testInteractionUpdate},
		{"Interaction/Delete", testInteractionDelete},
		{"Interaction/Paginate", testInteractionPaginate},
		{"Interaction/LastContacts", testInteractionLastContacts},
		{"Interaction/Move", testInteractionMove},
		{"Interaction/Tx/Rollback", testInteractionTxRollback},
		{"Interaction/Context/Canceled", testInteractionContextCanceled},
	}...)
	for _, fc := range interactionFilterCases() {
		checks = append(checks, check{"Interaction/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{
		{"ContactClaim/RoundTrip", testClaimRoundTrip},
		{"ContactClaim/NotFound", testClaimNotFound},
		{"ContactClaim/Duplicate", testClaimDuplicate},
		{"ContactClaim/Last", testClaimLast},
		{"ContactClaim/Concurrent", testClaimConcurrent},
		{"ContactClaim/Paginate", testClaimPaginate},
	}...)
	for _, fc := range claimFilterCases() {
		checks = append(checks, check{"ContactClaim/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{
		{"Task/RoundTrip", testTaskRoundTrip},
		{"Task/NotFound", testTaskNotFound},
		{"Task/Duplicate", testTaskDuplicate},
		{"Task/Update", testTaskUpdate},
		{"Task/Paginate", testTaskPaginate},
		{"Task/Move", testTaskMove},
	}...)
	for _, fc := range taskFilterCases() {
		checks = append(checks, check{"Task/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{
		{"OwnerChange/RoundTrip", testOwnerChangeRoundTrip},
		{"OwnerChange/Duplicate", testOwnerChangeDuplicate},
		{"OwnerChange/Paginate", testOwnerChangePaginate},
		{"OwnerChange/Move", testOwnerChangeMove},
	}...)
	for _, fc := range ownerChangeFilterCases() {
		checks = append(checks, check{"OwnerChange/Filter/" + fc.name, fc.test})
	}
	checks = append(checks, []check{

		{"Tx/Commit", testTxCommit},
		{"Tx/Rollback", testTxRollback},
		{"Tx/Panic", testTxPanic},
		{"Tx/Nested/InnerFails", testTxNestedInnerFails},
		{"Tx/Nested/InnerCommits", testTxNestedInnerCommits},
		{"Tx/Nested/OuterFails", testTxNestedOuterFails},

		{"Import/Batches", testImport},
		{"Import/Merge", testImportMerge},
		{"Import/Workers", testImportWorkers},
		{"Merge/RepointsChildren", testMergeRepointsChildren},
		{"Merge/DryRun", testMergeDryRun},
		{"FollowUp/Idempotent", testFollowUpIdempotent},
		{"Relationship/ClaimContact/Concurrent", testClaimContactConcurrent},
		{"Relationship/Care/Concurrent", testCareConcurrent},
		{"Relationship/Merge", testMergeRelationship},
		{"Lifecycle/Apply", testApplyLifecycle},
		{"KPI/Report", testKPIReport},
		{"KPI/Service", testKPIService},
		{"Load/Concurrent", testLoadConcurrent},

		{"Context/Canceled", testContextCanceled},
		{"Context/CanceledInTx", testContextCanceledInTx},
		{"Context/DeadlineExceeded", testContextDeadlineExceeded},
		{"Fault/Atomic", testFaultAtomic},
	}...)
	checks = append(checks, logChecks()...)
	checks = append(checks, approvalChecks()...)
	return checks
}
