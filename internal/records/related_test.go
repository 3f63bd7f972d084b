package records

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// Comment authors without a picture carry the shared placeholder (the
// frontend builds data:image/png;base64,<imagecontent>; "" is an invalid URL).
func TestCommentAuthorAvatar(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	ticket := ticketTarget(e.demo.Tickets["acme"][0])
	added, err := e.svc.AddComment(ctx, e.anna, ticket, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if a := added["author"].(Author); a.ImageContent != domain.PlaceholderAvatar {
		t.Errorf("added comment author imagecontent = %q", a.ImageContent)
	}
	res, err := e.svc.Comments(ctx, e.anna, ticket, ListParams{})
	if err != nil || len(res.Data) < 2 {
		t.Fatalf("comments: %v, %d", err, len(res.Data))
	}
	sides := map[bool]bool{}
	for _, c := range res.Data {
		a := c["author"].(Author)
		sides[c.String("customer") != ""] = true
		if a.ImageContent != domain.PlaceholderAvatar {
			t.Errorf("comment %s: author imagecontent = %q", c.String("id"), a.ImageContent)
		}
	}
	if !sides[true] || !sides[false] {
		t.Errorf("want comments of both sides in the demo thread, got %v", sides)
	}
}

// seedThread inserts n comments on record straight into the simulator,
// one second apart (every third by the CRM side, every tenth private),
// and returns the public ones' ids.
func seedThread(t *testing.T, e *cacheEnv, record string, n int) map[string]bool {
	t.Helper()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	public := map[string]bool{}
	for i := range n {
		f := map[string]string{"commentcontent": fmt.Sprintf("comment %d", i), "related_to": record,
			"createdtime": base.Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05")}
		if i%3 != 0 {
			f["customer"] = e.anna.ContactID
		} else {
			f["assigned_user_id"] = e.demo.ManagerUserID
		}
		if i%10 == 9 {
			f["is_private"] = "1"
		}
		id, err := e.sim.Insert("ModComments", f)
		if err != nil {
			t.Fatal(err)
		}
		if f["is_private"] == "" {
			public[id] = true
		}
	}
	return public
}

// A busy thread pages like every list (issue 14): 2,500 comments, no
// ceiling error, every public one exactly once, newest first, private
// ones never.
func TestCommentsPageThroughBusyThread(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	// A fresh ticket of Anna's, so the thread is only what is seeded here.
	ticket, err := e.sim.Insert("HelpDesk", map[string]string{"ticket_title": "busy", "ticketstatus": "Open",
		"contact_id": e.anna.ContactID, "parent_id": e.anna.AccountID})
	if err != nil {
		t.Fatal(err)
	}
	public := seedThread(t, e, ticket, 2500)
	target := ticketTarget(ticket)

	// The stock frontend's call: no parameters, the newest page.
	first, err := e.svc.Comments(ctx, e.anna, target, ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Count != len(public) || first.Page != 1 || len(first.Data) != first.Size || first.Size == 0 {
		t.Fatalf("first page: count %d (want %d), page %d, size %d, %d rows", first.Count, len(public), first.Page, first.Size, len(first.Data))
	}
	if got := first.Data[0].String("commentcontent"); got != "comment 2498" { // 2499 is private
		t.Errorf("newest comment first: got %q", got)
	}

	seen := map[string]bool{}
	last := "9999"
	for page := 1; ; page++ {
		res, err := e.svc.Comments(ctx, e.anna, target, ListParams{Page: page, Size: 100})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if len(res.Data) == 0 {
			break
		}
		for _, c := range res.Data {
			id := c.String("id")
			if seen[id] {
				t.Fatalf("page %d: comment %s twice", page, id)
			}
			if !public[id] {
				t.Fatalf("page %d: comment %s is not a public comment of the thread", page, id)
			}
			if ct := c.String("createdtime"); ct > last {
				t.Fatalf("page %d: %s after %s, want newest first", page, ct, last)
			} else {
				last = ct
			}
			if a := c["author"].(Author); a.LastName == "" {
				t.Fatalf("comment %s: author not resolved: %+v", id, a)
			}
			seen[id] = true
		}
		if page > 30 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != len(public) {
		t.Errorf("paged through %d comments, want %d", len(seen), len(public))
	}

	// Oldest first on request; a bad sort key is a 422.
	asc, err := e.svc.Comments(ctx, e.anna, target, ListParams{Sort: "createdtime", Size: 5})
	if err != nil || asc.Data[0].String("commentcontent") != "comment 0" {
		t.Errorf("oldest first: %v %v", err, asc.Data)
	}
	_, err = e.svc.Comments(ctx, e.anna, target, ListParams{Sort: "-createdtime,(select)"})
	testutil.WantCode(t, err, domain.EINVALID)
}

// Documents page the same way (cut from the related set).
func TestDocumentsPage(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	ticket := e.demo.Tickets["acme"][0]
	before, err := e.svc.Documents(ctx, e.anna, ticketTarget(ticket), ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 23 {
		doc, err := e.sim.Insert("Documents", map[string]string{"notes_title": fmt.Sprintf("doc %d", i),
			"createdtime": base.Add(time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05")})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.sim.Relate(ticket, doc, "Documents"); err != nil {
			t.Fatal(err)
		}
	}
	want := before.Count + 23
	seen := map[string]bool{}
	for page := 1; page <= 10; page++ {
		res, err := e.svc.Documents(ctx, e.anna, ticketTarget(ticket), ListParams{Page: page, Size: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != want || res.Size != 7 {
			t.Fatalf("page %d: count %d size %d, want %d, 7", page, res.Count, res.Size, want)
		}
		if page == 1 && res.Data[0].String("notes_title") != "doc 22" {
			t.Errorf("newest first: %q", res.Data[0].String("notes_title"))
		}
		for _, d := range res.Data {
			if seen[d.String("id")] {
				t.Fatalf("document %s twice", d.String("id"))
			}
			seen[d.String("id")] = true
		}
	}
	if len(seen) != want {
		t.Errorf("paged through %d documents, want %d", len(seen), want)
	}
}

// A dashboard scan past the row ceiling answers bounded numbers flagged
// approximate, never an error (issue 14), and does not poison the cached
// list total with its partial row count.
func TestStatisticsPastCeilingApproximate(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	full, err := e.svc.Statistics(ctx, e.anna)
	if err != nil {
		t.Fatal(err)
	}
	if full.Approximate || full.Tickets["total"] < 3 {
		t.Fatalf("complete statistics: approximate %v, %v tickets", full.Approximate, full.Tickets["total"])
	}

	e = newCacheEnv(t)
	e.svc.st.scanMax = 2
	got, err := e.svc.Statistics(ctx, e.anna)
	if err != nil {
		t.Fatalf("statistics past the ceiling: %v", err)
	}
	if !got.Approximate || got.Tickets["total"] != 2 {
		t.Errorf("statistics past the ceiling: approximate %v, %v tickets, want true, 2", got.Approximate, got.Tickets["total"])
	}
	list, err := e.svc.List(ctx, e.anna, Target{Module: Tickets}, ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if float64(list.Count) != full.Tickets["total"] {
		t.Errorf("ticket list count %d after a truncated scan, want %v", list.Count, full.Tickets["total"])
	}
	// Project statistics and the in-progress task list stay answers too.
	if _, err := e.svc.StatisticsTasks(ctx, e.anna); err != nil {
		t.Errorf("statistics tasks: %v", err)
	}
	if _, err := e.svc.List(ctx, e.anna, Target{Module: Projects}, ListParams{}); err != nil {
		t.Errorf("projects with statistics: %v", err)
	}
}

// Every download through the portal counts in the Document's
// filedownloadcount (as Vtiger's portal does) where the CRM stores it; stock
// Vtiger drops the write (a read-only field), which is noticed once; a CRM
// user that may not write still gets the file.
func TestDownloadCount(t *testing.T) {
	ctx := context.Background()
	download := func(t *testing.T, svc *Engine, c domain.Customer, ticket Target, att string) {
		t.Helper()
		f, err := svc.File(ctx, c, ticket, att)
		if err != nil || len(f.Content) == 0 {
			t.Fatalf("download: %v", err)
		}
	}
	firstDoc := func(t *testing.T, svc *Engine, c domain.Customer, ticket Target) vtiger.Record {
		t.Helper()
		docs, err := svc.Documents(ctx, c, ticket, ListParams{})
		if err != nil || len(docs.Data) == 0 {
			t.Fatalf("documents: %v", err)
		}
		return docs.Data[0]
	}
	t.Run("counted where the CRM stores it", func(t *testing.T) {
		e := newCacheEnv(t)
		if err := e.sim.SetWritable("Documents", "filedownloadcount"); err != nil {
			t.Fatal(err)
		}
		ticket := ticketTarget(e.demo.Tickets["acme"][0])
		doc := firstDoc(t, e.svc, e.anna, ticket)
		before, _ := e.sim.Get(doc.String("id"))
		download(t, e.svc, e.anna, ticket, doc.String("imageattachmentids"))
		download(t, e.svc, e.anna, ticket, doc.String("imageattachmentids"))
		after, _ := e.sim.Get(doc.String("id"))
		if want := strconv.Itoa(atoi(before["filedownloadcount"]) + 2); after["filedownloadcount"] != want {
			t.Errorf("filedownloadcount %q → %q, want %s", before["filedownloadcount"], after["filedownloadcount"], want)
		}
		if got := firstDoc(t, e.svc, e.anna, ticket); got["filedownloadcount"] != float64(atoi(before["filedownloadcount"])+2) {
			t.Errorf("document list shows filedownloadcount %v", got["filedownloadcount"])
		}
		// A refused download counts nothing.
		if _, err := e.svc.File(ctx, e.ben, ticket, doc.String("imageattachmentids")); err == nil {
			t.Fatal("another customer downloaded the file")
		}
		if again, _ := e.sim.Get(doc.String("id")); again["filedownloadcount"] != after["filedownloadcount"] {
			t.Errorf("a refused download counted: %q", again["filedownloadcount"])
		}
	})
	t.Run("stock CRM drops the write", func(t *testing.T) {
		e := newCacheEnv(t)
		ticket := ticketTarget(e.demo.Tickets["acme"][0])
		doc := firstDoc(t, e.svc, e.anna, ticket)
		before, _ := e.sim.Get(doc.String("id"))
		e.sim.ResetCounters()
		download(t, e.svc, e.anna, ticket, doc.String("imageattachmentids"))
		download(t, e.svc, e.anna, ticket, doc.String("imageattachmentids"))
		if n := e.sim.Calls()["revise"]; n != 1 {
			t.Errorf("revise calls %d, want 1 (the write the CRM drops is sent once)", n)
		}
		if after, _ := e.sim.Get(doc.String("id")); after["filedownloadcount"] != before["filedownloadcount"] {
			t.Errorf("stock CRM stored filedownloadcount %q (was %q): the simulator no longer drops read-only fields", after["filedownloadcount"], before["filedownloadcount"])
		}
	})
	t.Run("revise refused", func(t *testing.T) {
		b := vtigertest.Serve(t, vtigersim.Options{Version: vtigertest.SimVersion, Users: map[string]string{"admin": vtigersim.DefaultAccessKey, "reader": "readerKey12345678"}})
		demo, err := vtigersim.SeedDemo(b.Sim)
		if err != nil {
			t.Fatal(err)
		}
		sim := b.Sim
		if err := sim.SetWritable("Documents", "filedownloadcount"); err != nil {
			t.Fatal(err)
		}
		b.Demo, b.Username, b.AccessKey = demo, "reader", "readerKey12345678"
		svc, err := New(b.Client(t), config.Default(), nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		anna := domain.Customer{ContactID: demo.Contacts["anna"], AccountID: demo.Accounts["acme"]}
		ticket := ticketTarget(demo.Tickets["acme"][0])
		doc := firstDoc(t, svc, anna, ticket)
		sim.ResetCounters()
		download(t, svc, anna, ticket, doc.String("imageattachmentids"))
		if n := sim.Calls()["revise"]; n != 1 {
			t.Errorf("revise calls %d, want the one (refused) attempt", n)
		}
	})
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
