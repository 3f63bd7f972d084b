package http

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Comment and document lists page like every list (issue 14): the
// contract's list envelope, page/size/sort honoured, bad values a 422.
func TestCRMRelatedListsPage(t *testing.T) {
	e := newCRMEnv(t)
	d := e.demo
	ticket := d.Tickets["acme"][0]
	for i := range 3 {
		if r := e.do("anna", http.MethodPost, "/tickets/"+ticket+"/comments", map[string]any{"commentcontent": fmt.Sprintf("paging %d", i)}); r.Status != http.StatusCreated {
			t.Fatalf("add comment: %d %s", r.Status, r.Raw)
		}
	}
	for i := range 2 {
		if r := e.upload("anna", "/tickets/"+ticket+"/documents", fmt.Sprintf("paging-%d.txt", i), []byte("x")); r.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", r.Status, r.Raw)
		}
	}
	for _, path := range []string{"/tickets/" + ticket + "/comments", "/tickets/" + ticket + "/documents"} {
		t.Run(path, func(t *testing.T) {
			all := e.do("anna", http.MethodGet, path, nil)
			if all.Status != http.StatusOK {
				t.Fatalf("%d %s", all.Status, all.Raw)
			}
			count, _ := all.Body["count"].(float64)
			if int(count) != len(all.list()) || count < 2 || all.Body["page"] != float64(1) || all.Body["size"] == nil {
				t.Fatalf("default page: %s", all.Raw)
			}
			second := e.do("anna", http.MethodGet, path+"?page=2&size=1", nil)
			if second.Status != http.StatusOK || len(second.list()) != 1 || second.Body["count"] != count || second.Body["size"] != float64(1) {
				t.Fatalf("page 2 of size 1: %s", second.Raw)
			}
			if second.list()[0]["id"] != all.list()[1]["id"] {
				t.Errorf("page 2 of size 1 is %v, want the second of the default page %v", second.list()[0]["id"], all.list()[1]["id"])
			}
			for _, q := range []string{"?size=x", "?page=0", "?sort=-createdtime,(select)", "?sort=nosuch"} {
				if r := e.do("anna", http.MethodGet, path+q, nil); r.Status != http.StatusUnprocessableEntity || r.Body["message"] == nil {
					t.Errorf("%s: %d %s", q, r.Status, r.Raw)
				}
			}
		})
	}
	// Newest first: the comment just added leads the stock frontend's page.
	if c := e.do("anna", http.MethodGet, "/tickets/"+ticket+"/comments", nil).list(); len(c) == 0 || c[0]["commentcontent"] != "paging 2" {
		t.Errorf("newest comment first: %v", c)
	}
}

// Every key of a sort list is validated (issue 14): a bad second key is the
// same 422 as a bad single one, naming the key.
func TestCRMSortEveryKey(t *testing.T) {
	e := newCRMEnv(t)
	for _, q := range []string{"-ticket_no,(select)", "(select)", "-ticket_no,accesskey"} {
		r := e.do("anna", http.MethodGet, "/tickets?sort="+url.QueryEscape(q), nil)
		msg, _ := r.Body["message"].(string)
		if r.Status != http.StatusUnprocessableEntity || r.Body["field"] != "sort" || !strings.Contains(msg, strings.TrimPrefix(q[strings.LastIndex(q, ",")+1:], "-")) {
			t.Errorf("sort=%s: %d %s", q, r.Status, r.Raw)
		}
	}
	if r := e.do("anna", http.MethodGet, "/tickets?sort="+url.QueryEscape("-ticket_no,ticket_title"), nil); r.Status != http.StatusOK {
		t.Errorf("valid sort list: %d %s", r.Status, r.Raw)
	}
}
