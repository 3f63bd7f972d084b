package vtiger_test

import (
	"errors"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

func TestSelectString(t *testing.T) {
	tests := []struct {
		name string
		q    *vtiger.Select
		want string
		err  error
	}{
		{"star", vtiger.NewSelect().From("HelpDesk"), "SELECT * FROM HelpDesk;", nil},
		{"fields", vtiger.NewSelect("ticket_no", "ticket_title").From("HelpDesk"),
			"SELECT ticket_no, ticket_title FROM HelpDesk;", nil},
		{"eq", vtiger.NewSelect().From("HelpDesk").Where(vtiger.Eq("parent_id", "11x5")),
			"SELECT * FROM HelpDesk WHERE parent_id = '11x5';", nil},
		{"quote doubled", vtiger.NewSelect().From("Contacts").Where(vtiger.Eq("lastname", "O'Brien")),
			"SELECT * FROM Contacts WHERE lastname = 'O''Brien';", nil},
		{"backslash doubled", vtiger.NewSelect().From("Contacts").Where(vtiger.Eq("lastname", `a\b`)),
			`SELECT * FROM Contacts WHERE lastname = 'a\\b';`, nil},
		{"backslash before quote", vtiger.NewSelect().From("Contacts").Where(vtiger.Eq("lastname", `x\'; DROP`)),
			`SELECT * FROM Contacts WHERE lastname = 'x\\''; DROP';`, nil},
		{"all operators", vtiger.NewSelect().From("Invoice").Where(
			vtiger.Ne("a", "1"), vtiger.Lt("b", "2"), vtiger.Gt("c", "3"), vtiger.Le("d", "4"), vtiger.Ge("e", "5")),
			"SELECT * FROM Invoice WHERE a != '1' AND b < '2' AND c > '3' AND d <= '4' AND e >= '5';", nil},
		{"multiple Where calls AND", vtiger.NewSelect().From("HelpDesk").
			Where(vtiger.Eq("a", "1")).Where(vtiger.Eq("b", "2")),
			"SELECT * FROM HelpDesk WHERE a = '1' AND b = '2';", nil},
		{"in", vtiger.NewSelect().From("HelpDesk").Where(vtiger.In("ticketstatus", "Open", "In Progress")),
			"SELECT * FROM HelpDesk WHERE ticketstatus IN ('Open', 'In Progress');", nil},
		{"contains escapes wildcards", vtiger.NewSelect().From("Faq").Where(vtiger.Contains("question", `50%_off\`)),
			`SELECT * FROM Faq WHERE question LIKE '%50\\%\\_off\\\\%';`, nil},
		{"like keeps wildcards", vtiger.NewSelect().From("Faq").Where(vtiger.Like("question", "How%to_")),
			"SELECT * FROM Faq WHERE question LIKE 'How%to_';", nil},
		{"or", vtiger.NewSelect().From("HelpDesk").Where(vtiger.Or(vtiger.Eq("a", "1"), vtiger.Eq("b", "2"))),
			"SELECT * FROM HelpDesk WHERE a = '1' OR b = '2';", nil},
		// VTQL has no grouping parentheses: (a OR b) AND c becomes a AND c OR b AND c.
		{"nested rewritten to DNF", vtiger.NewSelect().From("HelpDesk").Where(
			vtiger.Or(vtiger.Eq("a", "1"), vtiger.Eq("b", "2")), vtiger.Eq("c", "3")),
			"SELECT * FROM HelpDesk WHERE a = '1' AND c = '3' OR b = '2' AND c = '3';", nil},
		{"and inside or", vtiger.NewSelect().From("HelpDesk").Where(vtiger.Or(
			vtiger.And(vtiger.Eq("a", "1"), vtiger.Eq("b", "2")), vtiger.Eq("c", "3"))),
			"SELECT * FROM HelpDesk WHERE a = '1' AND b = '2' OR c = '3';", nil},
		{"order and limit", vtiger.NewSelect().From("HelpDesk").OrderBy("modifiedtime", true).Limit(100, 100),
			"SELECT * FROM HelpDesk ORDER BY modifiedtime DESC LIMIT 100, 100;", nil},
		{"order asc", vtiger.NewSelect().From("HelpDesk").OrderBy("ticket_no", false),
			"SELECT * FROM HelpDesk ORDER BY ticket_no;", nil},
		{"unicode and newline kept", vtiger.NewSelect().From("Contacts").Where(vtiger.Eq("lastname", "日本\nü")),
			"SELECT * FROM Contacts WHERE lastname = '日本\nü';", nil},

		{"empty literal", vtiger.NewSelect().From("Contacts").Where(vtiger.Eq("email", "")), "", vtiger.ErrEmptyString},
		{"empty contains", vtiger.NewSelect().From("Contacts").Where(vtiger.Contains("email", "")), "", vtiger.ErrEmptyString},
		{"empty in value", vtiger.NewSelect().From("Contacts").Where(vtiger.In("email", "a", "")), "", vtiger.ErrEmptyString},
		{"empty in list", vtiger.NewSelect().From("Contacts").Where(vtiger.In("email")), "", vtiger.ErrInvalidQuery},
		{"empty or", vtiger.NewSelect().From("Contacts").Where(vtiger.Or()), "", vtiger.ErrInvalidQuery},
		{"no module", vtiger.NewSelect(), "", vtiger.ErrInvalidQuery},
		{"bad module", vtiger.NewSelect().From("Help Desk"), "", vtiger.ErrIdentifier},
		{"injected field", vtiger.NewSelect("id FROM Users;--").From("HelpDesk"), "", vtiger.ErrIdentifier},
		{"field starting with digit", vtiger.NewSelect("1x").From("HelpDesk"), "", vtiger.ErrIdentifier},
		{"keyword field", vtiger.NewSelect().From("HelpDesk").Where(vtiger.Eq("limit", "1")), "", vtiger.ErrIdentifier},
		{"bad where field", vtiger.NewSelect().From("HelpDesk").Where(vtiger.Eq("a=1 OR b", "1")), "", vtiger.ErrIdentifier},
		{"bad order field", vtiger.NewSelect().From("HelpDesk").OrderBy("a DESC, b", false), "", vtiger.ErrIdentifier},
		{"negative offset", vtiger.NewSelect().From("HelpDesk").Limit(-1, 10), "", vtiger.ErrInvalidQuery},
		{"zero limit", vtiger.NewSelect().From("HelpDesk").Limit(0, 0), "", vtiger.ErrInvalidQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.q.String()
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("String() = %q, %v; want error %v", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("String(): %v", err)
			}
			if got != tt.want {
				t.Errorf("String()\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSelectModule(t *testing.T) {
	if got := vtiger.NewSelect().From("Faq").Module(); got != "Faq" {
		t.Fatalf("Module() = %q", got)
	}
}

func TestDNFTooComplex(t *testing.T) {
	var conds []vtiger.Cond
	for range 7 { // 2^7 = 128 conjunctions > 64
		conds = append(conds, vtiger.Or(vtiger.Eq("a", "1"), vtiger.Eq("b", "2")))
	}
	_, err := vtiger.NewSelect().From("HelpDesk").Where(conds...).String()
	if !errors.Is(err, vtiger.ErrInvalidQuery) {
		t.Fatalf("err = %v, want ErrInvalidQuery", err)
	}
}

func BenchmarkSelectString(b *testing.B) {
	q := vtiger.NewSelect("ticket_no", "ticket_title", "ticketstatus").From("HelpDesk").
		Where(vtiger.Eq("parent_id", "11x5"), vtiger.Or(vtiger.Eq("ticketstatus", "Open"), vtiger.Contains("ticket_title", "O'Brien 50%"))).
		OrderBy("modifiedtime", true).Limit(0, 25)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := q.String(); err != nil {
			b.Fatal(err)
		}
	}
}
