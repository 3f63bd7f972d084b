package vtiger_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// vtqlToken is one token as Vtiger's VTQL lexer (VTQL_Lexer.php) cuts it.
type vtqlToken struct {
	kind string // word, string, punct, op
	text string
}

// lexVTQL follows the lexer's global pattern: words (\w+), single-quoted
// strings of at least one character with a doubled quote as the escape,
// parentheses, signed integers, comma, star, the comparison operators and
// ';', with [ \t\r\n]+ skipped. Anything else is an error, as on the server.
func lexVTQL(s string) ([]vtqlToken, error) {
	isWord := func(c byte) bool {
		return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	}
	var toks []vtqlToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case isWord(c):
			j := i
			for j < len(s) && isWord(s[j]) {
				j++
			}
			toks = append(toks, vtqlToken{"word", s[i:j]})
			i = j
		case c == '\'':
			j := i + 1
			closed := false
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					closed = true
					break
				}
				j++
			}
			if !closed || j == i+1 {
				return nil, fmt.Errorf("unterminated or empty string at %d", i)
			}
			toks = append(toks, vtqlToken{"string", s[i : j+1]})
			i = j + 1
		case c == '(' || c == ')' || c == ',' || c == '*' || c == ';':
			toks = append(toks, vtqlToken{"punct", s[i : i+1]})
			i++
		case c == '<' || c == '>' || c == '!' || c == '=':
			if i+1 < len(s) && s[i+1] == '=' && c != '=' {
				toks = append(toks, vtqlToken{"op", s[i : i+2]})
				i += 2
			} else if c == '!' {
				return nil, fmt.Errorf("lone ! at %d", i)
			} else {
				toks = append(toks, vtqlToken{"op", s[i : i+1]})
				i++
			}
		default:
			return nil, fmt.Errorf("unexpected byte %q at %d", c, i)
		}
	}
	return toks, nil
}

// literalValue undoes both escaping layers of a string token: VTQL's ” and
// MySQL's backslash. A backslash not followed by another one would be a MySQL
// escape the builder did not intend, so it is an error.
func literalValue(tok string) (string, error) {
	body := strings.ReplaceAll(tok[1:len(tok)-1], "''", "'")
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '\\' {
			if i+1 >= len(body) || body[i+1] != '\\' {
				return "", fmt.Errorf("lone backslash in %q", tok)
			}
			i++
		}
		b.WriteByte(body[i])
	}
	return b.String(), nil
}

// likePattern is what Contains must hand MySQL's LIKE (before literal escaping).
func likePattern(text string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func fuzzQuery(field, a, b string) *vtiger.Select {
	return vtiger.NewSelect(field, "ticket_title").From("HelpDesk").
		Where(vtiger.Eq("ticket_title", a)).
		Where(vtiger.Or(vtiger.Contains("description", b), vtiger.In("ticketstatus", a, b))).
		OrderBy("modifiedtime", true).Limit(0, 10)
}

func FuzzSelect(f *testing.F) {
	seeds := []string{
		"plain", "O'Brien", "''", "'", `\`, `\\`, `\'`, `'\`, "x'; DROP TABLE vtiger_crmentity; --",
		"%", "_", "50%_off", `\%`, "日本語 ü é", "nul\x00byte", "line\nbreak\r\n", "tab\tend",
		"' OR '1'='1", "a' OR id != 'x", ");", "order by", "LIMIT 1", "\"double\"", "\xff\xfe", "SELECT * FROM Users;",
	}
	for i, s := range seeds {
		f.Add("ticket_no", s, seeds[(i+3)%len(seeds)])
	}
	f.Add("id FROM Users; --", "a", "b")
	f.Add("limit", "a", "b")
	f.Add("", "", "b")

	// The token shape every valid statement must have, whatever the values.
	ref, err := fuzzQuery("ticket_no", "x", "y").String()
	if err != nil {
		f.Fatal(err)
	}
	refToks, err := lexVTQL(ref)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, field, a, b string) {
		stmt, err := fuzzQuery(field, a, b).String()
		switch {
		case !identRE.MatchString(field) || isKeyword(field):
			if !errors.Is(err, vtiger.ErrIdentifier) {
				t.Fatalf("field %q: err = %v, want ErrIdentifier", field, err)
			}
			return
		case a == "" || b == "":
			if !errors.Is(err, vtiger.ErrEmptyString) {
				t.Fatalf("a=%q b=%q: err = %v, want ErrEmptyString", a, b, err)
			}
			return
		case err != nil:
			t.Fatalf("String(): %v", err)
		}
		toks, err := lexVTQL(stmt)
		if err != nil {
			t.Fatalf("%q does not lex: %v", stmt, err)
		}
		if len(toks) != len(refToks) {
			t.Fatalf("%q: %d tokens, want %d", stmt, len(toks), len(refToks))
		}
		var lits []string
		for i, tok := range toks {
			r := refToks[i]
			if tok.kind != r.kind {
				t.Fatalf("%q: token %d is %s %q, want a %s", stmt, i, tok.kind, tok.text, r.kind)
			}
			if tok.kind == "string" {
				v, err := literalValue(tok.text)
				if err != nil {
					t.Fatal(err)
				}
				lits = append(lits, v)
				continue
			}
			if i == 1 { // the fuzzed field in the SELECT list
				if tok.text != field {
					t.Fatalf("field token %q, want %q", tok.text, field)
				}
				continue
			}
			if tok.text != r.text {
				t.Fatalf("%q: token %d = %q, want %q (structure changed)", stmt, i, tok.text, r.text)
			}
		}
		// Statement order after the DNF rewrite of  Eq AND (Contains OR In):
		// Eq a AND Contains b  OR  Eq a AND In (a, b).
		want := []string{a, likePattern(b), a, a, b}
		if strings.Join(lits, "\x00|") != strings.Join(want, "\x00|") {
			t.Fatalf("%q: literals %q, want %q", stmt, lits, want)
		}
	})
}

func isKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "select", "from", "where", "and", "or", "in", "like", "order", "by", "orderby",
		"limit", "asc", "desc", "count":
		return true
	}
	return false
}
