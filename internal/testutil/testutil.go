// Package testutil holds the assertion and request helpers the test
// packages share; the harnesses live in its sub-packages (apptest,
// vtigertest, pgtest).
package testutil

import (
	"bytes"
	"mime/multipart"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// WantCode fails the test unless err carries the domain error code
// (code "" = no domain error, usually a nil err).
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// FileForm is a multipart form with one file in the field "file", as the
// upload routes take it: the body and its Content-Type.
func FileForm(t testing.TB, name string, content []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// ChangesByField maps field → change of one activity-trail entry as the
// /activity routes answer it.
func ChangesByField(entry map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := entry["changes"].([]any)
	for _, c := range list {
		m := c.(map[string]any)
		out[m["field"].(string)] = m
	}
	return out
}
