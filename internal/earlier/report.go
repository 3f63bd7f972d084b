package earlier

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// maxExamples bounds the rows listed per skip reason in the summary.
const maxExamples = 10

// Table is the outcome for one kind of row.
type Table struct {
	Name    string
	Found   int      // rows in the earlier database
	Insert  int      // inserted (Applied) or that would be (dry run)
	Present int      // already in PostgreSQL, left alone
	Skipped []Reason // in order of first occurrence
}

// Reason is why some rows were skipped, with the first few of them.
type Reason struct {
	Text     string
	Count    int
	Examples []string // "#<earlier id> <e-mail or Stripe id>"
}

// SkippedTotal is the number of skipped rows over all reasons.
func (t Table) SkippedTotal() int {
	n := 0
	for _, r := range t.Skipped {
		n += r.Count
	}
	return n
}

// SkippedFor is how many rows were skipped for reason (tests, scripts).
func (t Table) SkippedFor(reason string) int {
	for _, r := range t.Skipped {
		if r.Text == reason {
			return r.Count
		}
	}
	return 0
}

func (t *Table) skip(reason, example string) {
	for i := range t.Skipped {
		if t.Skipped[i].Text == reason {
			t.Skipped[i].Count++
			if len(t.Skipped[i].Examples) < maxExamples {
				t.Skipped[i].Examples = append(t.Skipped[i].Examples, example)
			}
			return
		}
	}
	t.Skipped = append(t.Skipped, Reason{Text: reason, Count: 1, Examples: []string{example}})
}

// OTPOff is an imported user whose two-factor login could not be carried
// over and is off in the portal until they enrol again.
type OTPOff struct {
	Email, ContactID, Reason string
}

// Report is what an import found and did.
type Report struct {
	Applied bool
	Tables  []Table // users, otp, notifications, payments
	OTPOff  []OTPOff
}

// Table returns the table called name (zero Table when unknown).
func (r *Report) Table(name string) Table {
	for _, t := range r.Tables {
		if t.Name == name {
			return t
		}
	}
	return Table{Name: name}
}

// Changes is the number of rows inserted (or that would be).
func (r *Report) Changes() int {
	n := 0
	for _, t := range r.Tables {
		if t.Name != "otp" { // otp rows are users rows
			n += t.Insert
		}
	}
	return n
}

// WriteSummary prints the per-table summary, the skip reasons with
// examples, and every user whose 2FA was turned off.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	if r.Applied {
		b.WriteString("Import from the earlier backend (applied)\n\n")
	} else {
		b.WriteString("Import from the earlier backend (dry run: nothing was written; run again with --apply)\n\n")
	}
	insert := "would insert"
	if r.Applied {
		insert = "inserted"
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Numbers align right; the padded name keeps the first column left.
	fmt.Fprintf(tw, "%-13s\tfound\t%s\talready present\tskipped\t\n", "table", insert)
	for _, t := range r.Tables {
		fmt.Fprintf(tw, "%-13s\t%d\t%d\t%d\t%d\t\n", t.Name, t.Found, t.Insert, t.Present, t.SkippedTotal())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("(otp counts the users with two-factor login on; their rows are in users)\n")
	for _, t := range r.Tables {
		if len(t.Skipped) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nskipped %s:\n", t.Name)
		for _, s := range t.Skipped {
			more := ""
			if s.Count > len(s.Examples) {
				more = fmt.Sprintf(", … %d more", s.Count-len(s.Examples))
			}
			fmt.Fprintf(&b, "  %5d  %s: %s%s\n", s.Count, s.Text, strings.Join(s.Examples, ", "), more)
		}
	}
	if len(r.OTPOff) > 0 {
		verb := "will be"
		if r.Applied {
			verb = "is"
		}
		fmt.Fprintf(&b, "\ntwo-factor login %s off for these users (the secret could not be carried over; they can turn it on again under Profile → Security):\n", verb)
		for _, o := range r.OTPOff {
			fmt.Fprintf(&b, "  %s (Contact %s): %s\n", o.Email, o.ContactID, o.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
