package crm

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// ParseError reports text that [ParseCondition] cannot read: where, what
// it expected there and what it found. It matches [ErrInvalid] with
// [errors.Is].
type ParseError struct {
	// Offset is the byte offset of the problem in the input; Line and
	// Column (in runes) locate it too, both counting from 1.
	Offset, Line, Column int
	// Expected says what would have been valid, such as "a value" or
	// `")"`; Found quotes what was there instead ("end of input" at the
	// end).
	Expected, Found string
	// Reason, when set, says what is wrong instead of Expected, such as
	// `unknown field "indstry"`.
	Reason string
}

// Error returns "crm: segment rule 1:5: expected a value, found ...".
func (e *ParseError) Error() string {
	msg := e.Reason
	if msg == "" {
		msg = "expected " + e.Expected + ", found " + e.Found
	}
	return fmt.Sprintf("crm: segment rule %d:%d: %s", e.Line, e.Column, msg)
}

// Is reports whether target is [ErrInvalid].
func (e *ParseError) Is(target error) bool { return target == ErrInvalid }

// ParseCondition reads the text form of a [Condition]:
//
//	industry = "manufacturing" and r >= 4 and tags has "vip"
//	not (region in ("north", "south") or custom.score < 2.5)
//	owner is empty or custom.renewal >= date("2025-01-01")
//
// not binds tighter than and, and tighter than or; parentheses group.
// Text values are double-quoted with Go's escapes; numbers are decimals
// such as 4, -1.5; true and false are bools; date("2006-01-02") is a
// date. Keywords are lower case. The condition is validated as by
// [Condition.Validate]. Any problem is a [*ParseError] giving its
// position; ParseCondition never panics.
func ParseCondition(text string) (Condition, error) {
	p := &parser{src: text}
	if len(text) > maxRuleText {
		return Condition{}, p.errAt(0, "", fmt.Sprintf("longer than %d bytes", maxRuleText))
	}
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return Condition{}, p.errAt(i, "", "not valid UTF-8")
	}
	p.next()
	c, err := p.or(0)
	if err != nil {
		return Condition{}, err
	}
	if p.tok.kind != tokEOF {
		return Condition{}, p.expected("and, or or end of input")
	}
	return c, nil
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokOp // = != < <= > >=
	tokLParen
	tokRParen
	tokComma
	tokBad
)

type token struct {
	kind tokKind
	text string // source text
	pos  int
}

type parser struct {
	src string
	pos int
	tok token
}

func (p *parser) next() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
	start := p.pos
	if start == len(p.src) {
		p.tok = token{kind: tokEOF, pos: start}
		return
	}
	ch := p.src[start]
	kind := tokBad
	end := start + 1
	switch {
	case isIdentByte(ch, true):
		for end < len(p.src) && isIdentByte(p.src[end], false) {
			end++
		}
		kind = tokIdent
	case ch >= '0' && ch <= '9' || ch == '-' || ch == '.':
		for end < len(p.src) && (p.src[end] >= '0' && p.src[end] <= '9' || p.src[end] == '.') {
			end++
		}
		kind = tokNumber
	case ch == '"':
		for end < len(p.src) && p.src[end] != '"' {
			if p.src[end] == '\\' {
				end++
			}
			end++
		}
		if end < len(p.src) {
			end++
			kind = tokString
		} else {
			end = len(p.src)
		}
	case ch == '(':
		kind = tokLParen
	case ch == ')':
		kind = tokRParen
	case ch == ',':
		kind = tokComma
	case ch == '=':
		kind = tokOp
	case ch == '<' || ch == '>' || ch == '!':
		if end < len(p.src) && p.src[end] == '=' {
			end++
		}
		if ch != '!' || end == start+2 {
			kind = tokOp
		}
	default:
		_, n := utf8.DecodeRuneInString(p.src[start:])
		end = start + n
	}
	p.tok = token{kind: kind, text: p.src[start:end], pos: start}
	p.pos = end
}

func isIdentByte(ch byte, first bool) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' ||
		!first && (ch >= '0' && ch <= '9' || ch == '.' || ch == '-')
}

func (p *parser) errAt(pos int, expected, reason string) *ParseError {
	line, col := 1, 1
	for _, r := range p.src[:min(pos, len(p.src))] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	found := "end of input"
	if p.tok.kind != tokEOF && p.tok.pos == pos {
		found = strconv.Quote(p.tok.text)
	}
	return &ParseError{Offset: pos, Line: line, Column: col, Expected: expected, Found: found, Reason: reason}
}

func (p *parser) expected(what string) *ParseError { return p.errAt(p.tok.pos, what, "") }

func (p *parser) keyword(word string) bool {
	return p.tok.kind == tokIdent && p.tok.text == word
}

func (p *parser) or(depth int) (Condition, error) {
	return p.chain(OpOr, depth, p.and)
}

func (p *parser) and(depth int) (Condition, error) {
	return p.chain(OpAnd, depth, p.unary)
}

// chain reads terms joined by the keyword op.
func (p *parser) chain(op Operator, depth int, term func(int) (Condition, error)) (Condition, error) {
	first, err := term(depth)
	if err != nil {
		return Condition{}, err
	}
	terms := []Condition{first}
	for p.keyword(string(op)) {
		p.next()
		t, err := term(depth)
		if err != nil {
			return Condition{}, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return Condition{Op: op, Terms: terms}, nil
}

func (p *parser) unary(depth int) (Condition, error) {
	if depth >= maxRuleDepth {
		return Condition{}, p.errAt(p.tok.pos, "", fmt.Sprintf("nested more than %d deep", maxRuleDepth))
	}
	switch {
	case p.keyword("not"):
		p.next()
		t, err := p.unary(depth + 1)
		if err != nil {
			return Condition{}, err
		}
		return Not(t), nil
	case p.tok.kind == tokLParen:
		p.next()
		c, err := p.or(depth + 1)
		if err != nil {
			return Condition{}, err
		}
		if p.tok.kind != tokRParen {
			return Condition{}, p.expected(`and, or or ")"`)
		}
		p.next()
		return c, nil
	case p.tok.kind == tokIdent && !isKeyword(p.tok.text):
		return p.comparison()
	}
	return Condition{}, p.expected(`a field name, not or "("`)
}

var keywords = []string{"and", "or", "not", "in", "has", "contains", "starts_with", "is", "empty", "true", "false", "date"}

func isKeyword(s string) bool {
	for _, k := range keywords {
		if s == k {
			return true
		}
	}
	return false
}

func (p *parser) comparison() (Condition, error) {
	fieldTok := p.tok
	field := fieldTok.text
	if kindOf(field) == fieldUnknown {
		return Condition{}, p.errAt(fieldTok.pos, "", fmt.Sprintf("unknown field %q", field))
	}
	p.next()
	opTok := p.tok
	var op Operator
	switch {
	case p.tok.kind == tokOp:
		op = Operator(p.tok.text)
	case p.keyword("in"), p.keyword("has"), p.keyword("contains"), p.keyword("starts_with"):
		op = Operator(p.tok.text)
	case p.keyword("is"):
		p.next()
		if !p.keyword("empty") {
			return Condition{}, p.expected("empty")
		}
		op = OpEmpty
	default:
		return Condition{}, p.expected("an operator (=, !=, <, <=, >, >=, in, has, contains, starts_with, is empty)")
	}
	p.next()
	var values []CustomValue
	switch op {
	case OpEmpty:
	case OpIn:
		if p.tok.kind != tokLParen {
			return Condition{}, p.expected(`"("`)
		}
		p.next()
		for {
			v, err := p.value()
			if err != nil {
				return Condition{}, err
			}
			values = append(values, v)
			if p.tok.kind == tokRParen {
				p.next()
				break
			}
			if p.tok.kind != tokComma {
				return Condition{}, p.expected(`"," or ")"`)
			}
			p.next()
		}
	default:
		v, err := p.value()
		if err != nil {
			return Condition{}, err
		}
		values = []CustomValue{v}
	}
	c := Compare(field, op, values...)
	if reason := checkComparison(c.Field, c.Op, c.Values); reason != "" {
		return Condition{}, p.errAt(opTok.pos, "", fmt.Sprintf("field %s: %s", field, reason))
	}
	return c, nil
}

func (p *parser) value() (CustomValue, error) {
	t := p.tok
	switch {
	case t.kind == tokString:
		s, err := strconv.Unquote(t.text)
		if err != nil {
			return CustomValue{}, p.errAt(t.pos, "", "malformed text value: "+t.text)
		}
		p.next()
		return StringValue(s), nil
	case t.kind == tokNumber:
		d, err := decimal.NewFromString(t.text)
		if err != nil || !isPlainNumber(t.text) {
			return CustomValue{}, p.errAt(t.pos, "", "malformed number "+strconv.Quote(t.text))
		}
		p.next()
		return NumberValue(d), nil
	case p.keyword("true"), p.keyword("false"):
		p.next()
		return BoolValue(t.text == "true"), nil
	case p.keyword("date"):
		p.next()
		if p.tok.kind != tokLParen {
			return CustomValue{}, p.expected(`"("`)
		}
		p.next()
		s := p.tok
		if s.kind != tokString {
			return CustomValue{}, p.expected(`a date such as "2006-01-02"`)
		}
		text, err := strconv.Unquote(s.text)
		d, perr := time.Parse(time.DateOnly, text)
		if err != nil || perr != nil {
			return CustomValue{}, p.errAt(s.pos, "", "malformed date "+s.text+", want \"2006-01-02\"")
		}
		p.next()
		if p.tok.kind != tokRParen {
			return CustomValue{}, p.expected(`")"`)
		}
		p.next()
		return DateValue(d), nil
	}
	return CustomValue{}, p.expected(`a value (text in "", a number, true, false or date("2006-01-02"))`)
}

// isPlainNumber reports whether s is -?digits(.digits)?, the one form of
// number the text syntax has.
func isPlainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(x string) bool {
		return x != "" && strings.Trim(x, "0123456789") == ""
	}
	return digits(whole) && (!dot || digits(frac))
}
