package sqlstore

import (
	"strings"

	"github.com/crmkit/crm"
)

// ByteOrderer is implemented by a [Dialect] whose text columns compare
// equal byte by byte but do not all order byte by byte, such as
// PostgreSQL's customer columns in the database's default collation.
// ByteOrder returns column as an expression that orders bytewise, such
// as `column COLLATE "C"`. The ordered comparisons and prefix matches of
// segment rules use it; without it, columns are compared as they are.
type ByteOrderer interface {
	ByteOrder(column string) string
}

// ruleColumns are the customers columns of the stored text fields of
// segment rules.
var ruleColumns = map[string]string{
	"kind":          "c.kind",
	"name":          "c.name",
	"industry":      "c.industry",
	"region":        "c.region",
	"size":          "c.size",
	"stage":         "c.stage",
	"owner":         "c.owner_id",
	"source":        "c.source",
	"country":       "c.address_country",
	"credit_rating": "c.credit_rating",
	"risk_level":    "c.risk_level",
}

const (
	ruleHasTag = `EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ?)`
	ruleNoTags = `NOT EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id)`
)

// ruleSQL returns the condition selecting the customers c matches, with
// "?" placeholders for its values, and the values to bind. c has passed
// [crm.Condition.CheckStored]. Every value is bound, never written into
// the query; stored text is never NULL, so SQL's three-valued logic and
// [crm.Condition.Match] agree under NOT.
func (s *Store) ruleSQL(c crm.Condition) (string, []any) {
	switch c.Op {
	case crm.OpAnd, crm.OpOr:
		parts := make([]string, len(c.Terms))
		var args []any
		for i, t := range c.Terms {
			var a []any
			parts[i], a = s.ruleSQL(t)
			args = append(args, a...)
		}
		return "(" + strings.Join(parts, " "+strings.ToUpper(string(c.Op))+" ") + ")", args
	case crm.OpNot:
		cond, args := s.ruleSQL(c.Terms[0])
		return "NOT (" + cond + ")", args
	}
	texts := make([]any, len(c.Values))
	for i, v := range c.Values {
		texts[i], _ = v.Text()
	}
	if c.Field == "tags" {
		if c.Op == crm.OpEmpty {
			return ruleNoTags, nil
		}
		return ruleHasTag, texts
	}
	col := ruleColumns[c.Field]
	switch c.Op {
	case crm.OpEq:
		return col + " = ?", texts
	case crm.OpNe:
		return col + " <> ?", texts
	case crm.OpIn:
		return col + " IN " + inList(len(texts)), texts
	case crm.OpEmpty:
		return col + " = ''", nil
	case crm.OpStartsWith:
		if texts[0] == "" {
			return "1 = 1", nil
		}
		return s.d.PrefixMatch(s.byteOrder(col), texts[0].(string))
	}
	return s.byteOrder(col) + " " + string(c.Op) + " ?", texts // <, <=, >, >=
}

func (s *Store) byteOrder(column string) string {
	if o, ok := s.d.(ByteOrderer); ok {
		return o.ByteOrder(column)
	}
	return column
}
