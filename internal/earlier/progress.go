package earlier

import (
	"fmt"
	"io"
)

// progress prints a line every `every` rows of a large table, so an
// operator watching a long import sees it move. Small tables print nothing.
type progress struct {
	w      io.Writer
	table  string
	verb   string // "read" or "written"
	total  int    // 0 when unknown (reading)
	every  int
	n      int
	silent bool
}

func newProgress(w io.Writer, every int, table, verb string, total int) *progress {
	return &progress{w: w, table: table, verb: verb, total: total, every: every,
		silent: w == nil || every <= 0 || (total > 0 && total < every)}
}

func (p *progress) step() {
	if p == nil {
		return
	}
	p.n++
	if p.silent || p.n%p.every != 0 {
		return
	}
	if p.total > 0 {
		fmt.Fprintf(p.w, "%s: %d/%d %s\n", p.table, p.n, p.total, p.verb)
	} else {
		fmt.Fprintf(p.w, "%s: %d %s\n", p.table, p.n, p.verb)
	}
}

// done prints the final count when intermediate lines were printed.
func (p *progress) done() {
	if p == nil || p.silent || p.n < p.every || p.n%p.every == 0 {
		return
	}
	if p.total > 0 {
		fmt.Fprintf(p.w, "%s: %d/%d %s\n", p.table, p.n, p.total, p.verb)
	} else {
		fmt.Fprintf(p.w, "%s: %d %s\n", p.table, p.n, p.verb)
	}
}
