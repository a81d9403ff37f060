package storetest

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// TestReference runs the suite on the reference store, which must pass.
func TestReference(t *testing.T) {
	Run(t, func(t *testing.T) crm.Store {
		s := newRefStore("")
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// faultEnv names the fault TestFaultyStore switches on.
const faultEnv = "STORETEST_FAULT"

// TestFaultyStore runs the suite on the reference store with the fault
// named by $STORETEST_FAULT. TestFaults runs it in a child process and
// expects it to fail; on its own it is skipped.
func TestFaultyStore(t *testing.T) {
	fault := os.Getenv(faultEnv)
	if fault == "" {
		// Not a test of its own: the child-process entry point of
		// TestFaults (as os/exec's TestHelperProcess), which sets faultEnv.
		return
	}
	Run(t, func(t *testing.T) crm.Store {
		s := newRefStore(fault)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// faults lists each bug the reference store can be given and the
// subtests that must catch it.
var faults = map[string][]string{
	"tenant-ignored":              {"Tenant/Isolation"},
	"audit-seq-from-zero":         {"Log/Audit/RoundTrip", "Log/Audit/Rollback"},
	"audit-unchained":             {"Log/Audit/RoundTrip", "Log/Concurrent"},
	"audit-changes-dropped":       {"Log/Audit/RoundTrip"},
	"audit-id-ignored":            {"Log/Audit/Filter"},
	"events-newest-first":         {"Log/Events/RoundTrip"},
	"checkpoint-first-only":       {"Log/Checkpoint"},
	"approval-status-ignored":     {"Approval/Filter"},
	"approval-no-version-check":   {"Approval/RoundTrip"},
	"summary-counts-cancelled":    {"Summary/Values", "Summary/Filter", "KPI/Report"},
	"summary-local-days":          {"Summary/Values"},
	"cohort-counts-cancelled":     {"Cohort/Values", "Cohort/Empty"},
	"cohort-local-months":         {"Cohort/Values"},
	"cohort-counts-orders":        {"Cohort/Values"},
	"cohort-asof-inclusive":       {"Cohort/Values"},
	"audit-salt-dropped":          {"Log/Audit/RoundTrip"},
	"erase-log-keeps-values":      {"Log/Erase"},
	"erase-log-drops-digests":     {"Log/Erase"},
	"erase-log-any-kind":          {"Log/Erase"},
	"erase-log-keeps-events":      {"Log/Erase"},
	"erase-comments-keeps-text":   {"Response/EraseComments"},
	"erase-comments-restamps-all": {"Response/EraseComments"},
	"no-truncate": {
		"Case/RoundTrip", "Customer/RoundTrip", "Contact/RoundTrip", "Pipeline/RoundTrip", "Opportunity/RoundTrip",
		"Opportunity/History/RoundTrip",
		"Interaction/RoundTrip", "ContactClaim/RoundTrip", "Task/RoundTrip", "OwnerChange/RoundTrip",
	},
	"round-time": {
		"Case/RoundTrip", "Customer/RoundTrip", "Contact/RoundTrip", "Pipeline/RoundTrip", "Opportunity/RoundTrip",
		"Opportunity/History/RoundTrip",
		"Interaction/RoundTrip", "ContactClaim/RoundTrip", "Task/RoundTrip", "OwnerChange/RoundTrip",
	},
	"keep-zone": {
		"Case/RoundTrip", "Customer/RoundTrip", "Contact/RoundTrip", "Pipeline/RoundTrip", "Opportunity/RoundTrip",
		"Opportunity/History/RoundTrip",
		"Interaction/RoundTrip", "ContactClaim/RoundTrip", "Task/RoundTrip", "OwnerChange/RoundTrip",
	},
	"float-numbers":   {"Customer/RoundTrip"},
	"drop-false":      {"Customer/RoundTrip"},
	"drop-label":      {"Customer/RoundTrip"},
	"drop-time-zone":  {"Customer/RoundTrip", "Customer/Update"},
	"zero-time-epoch": {"Customer/ZeroValues", "Opportunity/ZeroValues"},
	"not-found-text": {
		"Case/NotFound", "Customer/NotFound", "Contact/NotFound", "Contact/MoveMissingTarget", "Pipeline/NotFound",
		"Opportunity/NotFound", "Opportunity/History/NotFound", "Opportunity/MoveMissingTarget",
		"Interaction/NotFound", "ContactClaim/NotFound", "Task/NotFound",
	},
	"update-upserts": {"Case/NotFound", "Customer/NotFound", "Pipeline/NotFound", "Opportunity/NotFound"},
	"create-overwrites": {
		"Case/Duplicate", "Customer/Duplicate", "Contact/Duplicate", "Pipeline/Duplicate", "Opportunity/Duplicate",
		"Interaction/Duplicate", "ContactClaim/Duplicate", "Task/Duplicate", "OwnerChange/Duplicate",
	},
	"version-not-set": {"Case/Update", "Customer/Update", "Pipeline/Update", "Opportunity/Update"},
	"no-version-check": {
		"Case/StaleVersion", "Customer/StaleVersion", "Customer/ConcurrentUpdates", "Contact/StaleVersion",
		"Opportunity/StaleVersion",
		"Interaction/Update", "Task/Update",
	},
	"conflict-bumps-version": {"Customer/StaleVersion"},
	"racy-update":            {"Customer/ConcurrentUpdates"},
	"alias-in": {
		"Case/Copies", "Customer/Copies", "Contact/Copies", "Customer/Bulk/Copies", "Pipeline/Copies", "Opportunity/Copies",
	},
	"alias-out":          {"Case/Copies", "Customer/Copies", "Contact/Copies", "Pipeline/Copies", "Opportunity/Copies"},
	"archived-included":  {"Customer/Filter/None", "Customer/Filter/Emails/Archived"},
	"merged-included":    {"Customer/Filter/None"},
	"no-empty-region":    {"Customer/Filter/Regions/NoRegion", "Customer/Filter/Regions/NoRegionOrSouth"},
	"tags-any":           {"Customer/Filter/Tags/All"},
	"rule-ignores-not":   {"Segment/Rule"},
	"since-exclusive":    {"Customer/Filter/UpdatedSince"},
	"since-wall-clock":   {"Customer/Filter/UpdatedSince"},
	"search-substring":   {"Customer/Filter/Search/NotInMiddle", "Customer/Filter/Search/NotInMiddleOfEmail"},
	"search-case":        {"Customer/Filter/Search/IgnoresCase", "Customer/Filter/Search/NonASCII"},
	"search-ascii-fold":  {"Customer/Filter/Search/NonASCII"},
	"search-like":        {"Customer/Filter/Search/WildcardsAreText", "Customer/Filter/Search/UnderscoreIsText"},
	"search-name-only":   {"Customer/Filter/Search/Email"},
	"search-first-email": {"Customer/Filter/Search/SecondEmail"},
	"email-primary-only": {"Customer/Filter/Emails"},
	"phone-prefix":       {"Customer/Filter/Phones/NotPrefix"},
	"bulk-partial":       {"Customer/Bulk/Duplicate"},
	"bulk-overwrites":    {"Customer/Bulk/Duplicate"},
	"bulk-no-lists":      {"Customer/Bulk/RoundTrip"},
	"any-of-first-only":  {"Customer/Filter/IDs", "Customer/Filter/TaxIDs/Several"},
	"insertion-order": {
		"Case/Filter/None", "Case/Paginate", "Customer/Filter/None", "Customer/Paginate", "Customer/DefaultLimit", "Pipeline/List",
		"Opportunity/Filter/None", "Opportunity/Paginate",
	},
	"offset-cursor": {
		"Customer/PaginateWhileInserting", "Contact/PaginateWhileInserting",
		"Opportunity/PaginateWhileInserting", "Opportunity/History/PaginateWhileInserting",
	},
	"limit0-unlimited": {
		"Case/Paginate", "Customer/DefaultLimit", "Contact/Paginate", "Opportunity/Paginate", "Opportunity/History/Paginate",
		"Interaction/Paginate", "ContactClaim/Paginate", "Task/Paginate", "OwnerChange/Paginate",
	},
	"short-pages": {
		"Case/Paginate", "Case/History", "Customer/Paginate", "Customer/Filter/None", "Opportunity/Paginate", "Opportunity/History/Paginate",
		"Interaction/Paginate", "ContactClaim/Paginate", "Task/Paginate", "OwnerChange/Paginate",
	},
	"cursor-never-ends": {
		"Case/Filter/None", "Case/History", "Customer/Paginate", "Customer/Filter/None", "Opportunity/Filter/None", "Opportunity/History/Order",
		"Interaction/Filter/None", "ContactClaim/Filter/None", "Task/Filter/None", "OwnerChange/Filter/None",
	},
	"contacts-unfiltered":    {"Contact/Filter", "Contact/Move"},
	"no-customer-check":      {"Case/NotFound", "Contact/NotFound", "Opportunity/NotFound", "Interaction/NotFound", "ContactClaim/NotFound", "Task/NotFound"},
	"delete-ignores-version": {"Contact/StaleVersion", "Interaction/Delete"},
	"move-no-target-check":   {"Case/Move", "Contact/MoveMissingTarget", "Opportunity/MoveMissingTarget"},
	"move-no-version":        {"Case/Move", "Contact/Move", "Opportunity/Move"},
	"move-one-page":          {"Contact/Move"},
	"no-rollback":            {"Case/Tx/Rollback", "Tx/Rollback", "Tx/Panic", "Tx/Nested/OuterFails", "Opportunity/Tx/Rollback", "Interaction/Tx/Rollback", "Log/Audit/Rollback"},
	"tx-error-replaced":      {"Tx/Rollback"},
	"tx-reads-committed":     {"Tx/Commit"},
	"panic-keeps-lock":       {"Tx/Panic"},
	"panic-swallowed":        {"Tx/Panic"},
	"panic-commits":          {"Tx/Panic"},
	"nested-flat":            {"Tx/Nested/InnerFails"},
	"ignore-ctx": {
		"Context/Canceled/CreateCustomer", "Context/Canceled/FindCustomers", "Context/Canceled/RunInTx",
		"Context/CanceledInTx/DeleteContact", "Context/DeadlineExceeded", "Context/Canceled/CreatePipeline",
		"Context/Canceled/FindPipelines", "Context/Canceled/UpdateOpportunity",
		"Context/Canceled/FindOpportunityChanges", "Context/CanceledInTx/AddOpportunityChange",
		"Context/CanceledInTx/MoveOpportunities",
		"Interaction/Context/Canceled",
	},
	"ctx-error-text": {
		"Context/Canceled/MoveContacts", "Context/Canceled/FindOpportunities", "Context/DeadlineExceeded",
	},
	"deadline-as-canceled": {"Context/DeadlineExceeded"},
	"close-error":          {"Close"},

	// Leads.
	"lead-empty-customer-matches": {"Lead/Filter/CustomerIDs/Empty"},
	"lead-move-unconverted":       {"Lead/Move"},
	"lead-created-from-exclusive": {"Lead/Filter/CreatedFrom", "Lead/Filter/CreatedRange"},
	"lead-created-before-inclusive": {
		"Lead/Filter/CreatedBefore", "Lead/Filter/CreatedRange", "Lead/Filter/CreatedRange/Owners",
	},

	// The sales process.
	"pipeline-no-version-check": {"Pipeline/StaleVersion"},
	"pipeline-requires-aliased": {"Pipeline/Copies"},
	"opp-no-pipeline-check":     {"Opportunity/NotFound"},
	"opp-customers-first-only": {
		"Opportunity/Filter/CustomerIDs/Several", "Opportunity/Filter/Combined/Everything",
	},
	"opp-close-from-exclusive":   {"Opportunity/Filter/CloseFrom", "Opportunity/Filter/CloseFrom/OtherZone"},
	"opp-close-before-ignored":   {"Opportunity/Filter/CloseBefore", "Opportunity/Filter/CloseRange"},
	"opp-close-before-inclusive": {"Opportunity/Filter/CloseBefore", "Opportunity/Filter/CloseRange"},
	"opp-zero-close-date-matches": {
		"Opportunity/Filter/CloseBefore", "Opportunity/Filter/CloseBefore/JustAfter",
	},
	"amount-float":                 {"Opportunity/Update", "Opportunity/History/RoundTrip"},
	"negative-limit-ok":            {"Opportunity/Limits", "Case/Paginate"},
	"no-max-limit":                 {"Opportunity/Limits", "Interaction/LastContacts"},
	"history-insertion-order":      {"Opportunity/History/Order"},
	"history-versions-as-text":     {"Opportunity/History/Order"},
	"history-overwrites":           {"Opportunity/History/Duplicate"},
	"history-no-opportunity-check": {"Opportunity/History/NotFound"},
	"move-writes-history":          {"Opportunity/Move"},

	// Cases.
	"case-duration-micros":          {"Case/RoundTrip"},
	"case-source-not-unique":        {"Case/Duplicate", "Case/Move"},
	"case-source-empty-clashes":     {"Case/ZeroValues"},
	"case-empty-source-matches":     {"Case/Filter/Sources/NoSource"},
	"case-opened-from-exclusive":    {"Case/Filter/OpenedFrom", "Case/Filter/OpenedFrom/OtherZone"},
	"case-resolved-zero-matches":    {"Case/Filter/ResolvedBefore", "Case/Filter/ResolvedBefore/JustAfter"},
	"case-due-inclusive":            {"Case/Filter/DueBefore"},
	"case-due-first-only":           {"Case/Filter/DueBefore/JustAfter", "Case/Filter/DueBefore/EitherClock", "Case/Filter/Combined"},
	"case-history-insertion-order":  {"Case/History"},
	"case-history-versions-as-text": {"Case/History"},
	"case-history-overwrites":       {"Case/History"},
	"case-move-writes-history":      {"Case/Move"},
	// Surveys and responses.
	"survey-no-version-check":        {"Survey/Update"},
	"response-no-unique":             {"Response/Duplicate", "Response/Concurrent", "Response/Move"},
	"response-racy-unique":           {"Response/Concurrent"},
	"response-no-survey-check":       {"Response/NotFound"},
	"response-surveys-first-only":    {"Response/Filter"},
	"response-customers-ignored":     {"Response/Filter", "Response/Paginate", "Response/Move"},
	"response-waves-ignored":         {"Response/Filter"},
	"response-empty-channel-ignored": {"Response/Filter"},
	"response-from-exclusive":        {"Response/Filter"},
	"response-before-inclusive":      {"Response/Filter"},
	"response-move-respondent":       {"Response/Move", "Merge/RepointsChildren"},
	"scores-ignore-filter":           {"Response/Scores", "Response/Filter", "Response/Move", "KPI/Service"},
	"scores-ignore-kind":             {"Response/Scores", "Response/Filter"},
	"scores-count-once":              {"Response/Scores", "Response/Move"},
	"scores-by-count":                {"Response/Scores"},

	// Interactions, contact claims, tasks and the ownership history.
	"interaction-before-inclusive": {"Interaction/Filter/Before", "Interaction/Filter/Range"},
	"last-contact-least-id":        {"Interaction/LastContacts"},
	"claim-seq-not-unique":         {"ContactClaim/Duplicate", "ContactClaim/Concurrent"},
	"claim-last-by-text":           {"ContactClaim/Last"},
	"task-source-empty-clashes":    {"Task/Duplicate", "Task/Paginate"},
	"task-open-done-matches":       {"Task/Filter/DoneFrom", "Task/Filter/DoneBefore", "Task/Filter/DoneRange"},
	"owner-to-only":                {"OwnerChange/Filter/Owners", "OwnerChange/Filter/Owners/From"},
	"owner-move-stamps":            {"OwnerChange/Move"},
}

// TestFaults checks that the suite is no tautology: for each fault it
// runs the subtests that must catch it, in a child process on the
// reference store with the fault switched on, and expects each to fail.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process per fault")
	}
	exe, err := os.Executable()
	require.NoError(t, err)

	known := map[string]bool{"Close": true}
	for _, c := range suite() {
		known[c.name] = true
	}
	for _, m := range ctxCalls() {
		known["Context/Canceled/"+m.method] = true
		known["Context/CanceledInTx/"+m.method] = true
	}

	for fault, subtests := range faults {
		for _, sub := range subtests {
			require.True(t, known[sub], "fault %s names a subtest the suite lacks: %s", fault, sub)
			t.Run(fault+"/"+sub, func(t *testing.T) {
				t.Parallel()
				elems := []string{"^TestFaultyStore$"}
				for _, e := range strings.Split(sub, "/") {
					elems = append(elems, "^"+regexp.QuoteMeta(e)+"$")
				}
				cmd := exec.CommandContext(t.Context(), exe,
					"-test.run="+strings.Join(elems, "/"), "-test.count=1", "-test.v", "-test.timeout=2m")
				cmd.Env = append(os.Environ(), faultEnv+"="+fault)
				out, err := cmd.CombinedOutput()
				failed := "--- FAIL: TestFaultyStore/" + sub + " "
				if !assert.Contains(t, string(out), failed, "the suite missed the fault %q", fault) {
					t.Logf("output of the child process (err %v):\n%s", err, out)
					return
				}
				assert.Error(t, err, "the child process failed a subtest but exited 0")
			})
		}
	}
}
