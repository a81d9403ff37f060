package crm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestParseCondition(t *testing.T) {
	got, err := crm.ParseCondition(`industry = "manufacturing" and r >= 4 and tags has "VIP"`)
	require.NoError(t, err)
	want := crm.And(
		crm.Compare("industry", crm.OpEq, crm.StringValue("manufacturing")),
		crm.Compare("r", crm.OpGe, crm.IntValue(4)),
		crm.Compare("tags", crm.OpHas, crm.StringValue("vip")),
	)
	assert.True(t, want.Equal(got), "got %s", got)
	assert.Equal(t, `industry = "manufacturing" and r >= 4 and tags has "vip"`, got.String())

	t.Run("Precedence", func(t *testing.T) {
		c, err := crm.ParseCondition(`not region is empty and stage = "new" or tier in ("A", "B")`)
		require.NoError(t, err)
		assert.Equal(t, crm.OpOr, c.Op)
		assert.Equal(t, crm.OpAnd, c.Terms[0].Op)
		assert.Equal(t, crm.OpNot, c.Terms[0].Terms[0].Op)
		assert.Equal(t, `(not region is empty and stage = "new") or tier in ("A", "B")`, c.String())
	})
	t.Run("Values", func(t *testing.T) {
		c, err := crm.ParseCondition(`custom.score < -2.50 and custom.vip = true and custom.renewal >= date("2025-01-31") and name starts_with "O'\"N\u00e9il%_"`)
		require.NoError(t, err)
		assert.Equal(t, `custom.score < -2.5 and custom.vip = true and custom.renewal >= date("2025-01-31") and name starts_with "O'\"Néil%_"`, c.String())
	})
	t.Run("Parentheses", func(t *testing.T) {
		c, err := crm.ParseCondition("(a_b_missing = 1)")
		require.Error(t, err)
		c, err = crm.ParseCondition(`kind = "person" and (region = "north" and size = "small")`)
		require.NoError(t, err)
		assert.Len(t, c.Terms, 2)
		assert.Equal(t, `kind = "person" and (region = "north" and size = "small")`, c.String())
	})
}

func TestParseConditionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		offset     int
		line, col  int
		contains   string
	}{
		{"UnknownField", `indstry = "x"`, 0, 1, 1, `unknown field "indstry"`},
		{"MissingValue", `industry =`, 10, 1, 11, "expected a value"},
		{"MissingOperator", `industry "x"`, 9, 1, 10, "expected an operator"},
		{"Unclosed", `(industry = "x"`, 15, 1, 16, `expected and, or or ")"`},
		{"UnclosedString", `industry = "x`, 11, 1, 12, "expected a value"},
		{"SecondLine", "industry = \"x\" and\n  r >>", 24, 2, 6, "expected a value"},
		{"TextOnNumber", `r = "high"`, 2, 1, 3, "value must be a number"},
		{"HasOnText", `industry has "x"`, 9, 1, 10, "has applies to tags only"},
		{"Trailing", `industry = "x" industry`, 15, 1, 16, "expected and, or or end of input"},
		{"Empty", ``, 0, 1, 1, "expected a field name"},
		{"BadNumber", `r = 1.2.3`, 4, 1, 5, "malformed number"},
		{"NUL", `name = "a\x00"`, 5, 1, 6, "NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := crm.ParseCondition(tc.text)
			require.Error(t, err)
			assert.ErrorIs(t, err, crm.ErrInvalid)
			var perr *crm.ParseError
			require.True(t, errors.As(err, &perr))
			assert.Equal(t, tc.offset, perr.Offset, "%v", err)
			assert.Equal(t, tc.line, perr.Line, "%v", err)
			assert.Equal(t, tc.col, perr.Column, "%v", err)
			assert.Contains(t, err.Error(), tc.contains)
		})
	}
	t.Run("Deep", func(t *testing.T) {
		_, err := crm.ParseCondition(strings.Repeat("(", 100000))
		assert.ErrorIs(t, err, crm.ErrInvalid)
		_, err = crm.ParseCondition(strings.Repeat("not ", 100000) + `kind = "person"`)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		text := strings.Repeat(`kind = "person" and `, 3000) + `kind = "person"`
		_, err = crm.ParseCondition(text)
		assert.NoError(t, err, "a long flat chain is not deep")
	})
}

func TestConditionValidate(t *testing.T) {
	err := crm.And(
		crm.Compare("indstry", crm.OpEq, crm.StringValue("x")),
		crm.Compare("clv", crm.OpContains, crm.StringValue("x")),
		crm.Compare("tags", crm.OpEq, crm.StringValue("x")),
		crm.Compare("region", crm.OpIn),
		crm.Compare("name", "~", crm.StringValue("x")),
	).Validate()
	var verr *crm.ValidationError
	require.True(t, errors.As(err, &verr))
	assert.ErrorIs(t, err, crm.ErrInvalid)
	for field, reason := range map[string]string{
		"indstry": `unknown field "indstry"`,
		"clv":     "operator contains does not apply to a number",
		"tags":    "operator = does not apply to tags (use has or is empty)",
		"region":  "in needs at least one value",
		"name":    `unknown operator "~"`,
	} {
		got, ok := verr.Field(field)
		assert.True(t, ok, field)
		assert.Equal(t, reason, got, field)
	}
	_, ok := verr.Field("rule")
	assert.False(t, ok)
	assert.Error(t, crm.Condition{}.Validate())
	assert.Error(t, crm.Condition{Op: crm.OpAnd, Terms: []crm.Condition{crm.Compare("kind", crm.OpEmpty)}}.Validate())
}

func TestConditionMatch(t *testing.T) {
	cust := &crm.Customer{
		Name: "Acme", Industry: "manufacturing", Region: "", Tags: []string{"vip"},
		Custom: map[string]crm.CustomValue{"score": crm.NumberValue(decimal.RequireFromString("7.5")), "plan": crm.StringValue("gold")},
	}
	metrics := &crm.Metrics{R: 4, F: 2, M: 5, Tier: "A", CLV: decimal.RequireFromString("1200.50")}
	for _, tc := range []struct {
		rule string
		want bool
		m    *crm.Metrics
	}{
		{`industry = "manufacturing" and r >= 4 and tags has "vip"`, true, metrics},
		{`industry = "manufacturing" and r >= 4`, false, nil},
		{`not r >= 4`, true, nil},
		{`r != 4`, false, nil},
		{`r is empty`, true, nil},
		{`r is empty`, false, metrics},
		{`region is empty and tags has "vip"`, true, nil},
		{`tags is empty`, false, nil},
		{`name < "B" and name > "A" and name <= "Acme" and name >= "Acme"`, true, nil},
		{`name contains "cm" and name starts_with "Ac"`, true, nil},
		{`name starts_with "ac"`, false, nil},
		{`custom.score > 7 and custom.score < 7.51 and custom.plan in ("silver", "gold")`, true, nil},
		{`custom.score = "7.5"`, false, nil},
		{`custom.score != "7.5"`, false, nil},
		{`custom.missing is empty and not custom.missing = 1`, true, nil},
		{`custom.missing != 1`, false, nil},
		{`tier = "A" and clv >= 1200.5 and m = 5 and f in (1, 2)`, true, metrics},
		{`industry in ("retail") or tier = "B"`, false, metrics},
	} {
		c, err := crm.ParseCondition(tc.rule)
		require.NoError(t, err, tc.rule)
		assert.Equal(t, tc.want, c.Match(cust, tc.m), tc.rule)
	}
}

func TestConditionStored(t *testing.T) {
	for rule, want := range map[string]bool{
		`industry = "x" and tags has "y" and not region in ("a")`: true,
		`industry = "x" or r > 3`:                                 false,
		`name contains "x"`:                                       false,
		`name starts_with "x"`:                                    true,
		`custom.a = 1`:                                            false,
	} {
		c, err := crm.ParseCondition(rule)
		require.NoError(t, err)
		assert.Equal(t, want, c.Stored(), rule)
	}
}
