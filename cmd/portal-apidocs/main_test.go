package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInsomniaCollectionUpToDate keeps documents/insomnia.json a fresh
// generation of documents/swagger.json: `make swagger` rewrites both.
func TestInsomniaCollectionUpToDate(t *testing.T) {
	specJSON, err := os.ReadFile("../../documents/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../documents/insomnia.json")
	if err != nil {
		t.Fatalf("%v (run make swagger)", err)
	}
	fresh, err := Generate(specJSON, Options{BaseURL: DefaultBaseURL})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, fresh) {
		t.Fatal("documents/insomnia.json is stale: run make swagger (or go run ./cmd/portal-apidocs) and commit it")
	}
}

const testSpec = `{
  "swagger": "2.0",
  "info": {"title": "Test API", "description": "for tests", "version": "1.0"},
  "basePath": "/api/v1",
  "securityDefinitions": {"BearerAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}},
  "paths": {
    "/tickets/{id}": {
      "get": {"summary": "Get a ticket", "tags": ["tickets"], "security": [{"BearerAuth": []}],
        "parameters": [{"name": "id", "in": "path", "required": true, "type": "string", "example": "17x5"}]},
      "patch": {"summary": "Change a ticket", "tags": ["tickets"], "security": [{"BearerAuth": []}],
        "parameters": [
          {"name": "id", "in": "path", "required": true, "type": "string"},
          {"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Patch"}}]}
    },
    "/tickets": {
      "get": {"summary": "List tickets", "tags": ["tickets"], "security": [{"BearerAuth": []}],
        "parameters": [
          {"name": "page", "in": "query", "type": "integer", "default": 1},
          {"name": "sort", "in": "query", "type": "string", "required": true, "enum": ["-ticket_no", "ticket_no"]}]}
    },
    "/tickets/{id}/documents": {
      "post": {"tags": ["tickets"], "security": [{"BearerAuth": []}],
        "parameters": [
          {"name": "id", "in": "path", "required": true, "type": "string"},
          {"name": "file", "in": "formData", "required": true, "type": "file"}]}
    },
    "/ping": {"get": {"summary": "Liveness"}}
  },
  "definitions": {
    "Patch": {"type": "object", "properties": {
      "ticketstatus": {"type": "string", "enum": ["Open", "Closed"]},
      "hours": {"type": "number"},
      "when": {"type": "string", "format": "date"},
      "tags": {"type": "array", "items": {"type": "string", "example": "urgent"}},
      "parent": {"$ref": "#/definitions/Node"}}},
    "Node": {"type": "object", "properties": {"name": {"type": "string", "example": "n"}, "child": {"$ref": "#/definitions/Node"}}}
  }
}`

type resource struct {
	ID         string            `json:"_id"`
	Type       string            `json:"_type"`
	ParentID   *string           `json:"parentId"`
	Name       string            `json:"name"`
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	Data       map[string]string `json:"data"`
	Headers    []nameValue       `json:"headers"`
	Parameters []struct {
		nameValue
		Disabled bool `json:"disabled"`
	} `json:"parameters"`
	Body struct {
		MimeType string `json:"mimeType"`
		Text     string `json:"text"`
		Params   []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"params"`
	} `json:"body"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func generateTest(t *testing.T) (map[string]resource, []resource) {
	t.Helper()
	out, err := Generate([]byte(testSpec), Options{BaseURL: "http://localhost:9999/"})
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Type      string     `json:"_type"`
		Format    int        `json:"__export_format"`
		Resources []resource `json:"resources"`
	}
	if err := json.Unmarshal(out, &exp); err != nil {
		t.Fatal(err)
	}
	if exp.Type != "export" || exp.Format != 4 {
		t.Fatalf("export header = %q/%d, want export/4", exp.Type, exp.Format)
	}
	byName := map[string]resource{}
	ids := map[string]bool{}
	for _, r := range exp.Resources {
		if ids[r.ID] {
			t.Errorf("duplicate _id %s", r.ID)
		}
		ids[r.ID] = true
		key := r.Type + ":" + r.Name
		if r.Type == "request" {
			key = r.Method + " " + strings.TrimPrefix(r.URL, "{{ _.base_url }}")
		}
		byName[key] = r
	}
	return byName, exp.Resources
}

func TestGenerateStructure(t *testing.T) {
	res, all := generateTest(t)
	ws, ok := res["workspace:Test API"]
	if !ok || ws.ParentID != nil {
		t.Fatalf("workspace missing or not top-level: %+v", ws)
	}
	env := res["environment:Base Environment"]
	if env.Data["base_url"] != "http://localhost:9999/api/v1" || env.Data["token"] != "" || env.ParentID == nil || *env.ParentID != ws.ID {
		t.Errorf("environment = %+v", env)
	}
	folder, ok := res["request_group:tickets"]
	if !ok {
		t.Fatal("no folder for tag tickets")
	}
	requests := 0
	for _, r := range all {
		if r.Type == "request" {
			requests++
		}
	}
	if requests != 5 {
		t.Errorf("%d requests, want one per operation (5)", requests)
	}

	tests := []struct {
		key        string
		parent     string
		authorized bool
	}{
		{"GET /tickets/17x5", folder.ID, true},
		{"PATCH /tickets/1", folder.ID, true},
		{"GET /tickets", folder.ID, true},
		{"POST /tickets/1/documents", folder.ID, true},
		{"GET /ping", ws.ID, false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			r, ok := res[tt.key]
			if !ok {
				t.Fatalf("no request %s", tt.key)
			}
			if r.ParentID == nil || *r.ParentID != tt.parent {
				t.Errorf("parent = %v, want %s", r.ParentID, tt.parent)
			}
			hasAuth := false
			for _, h := range r.Headers {
				if h.Name == "Authorization" {
					hasAuth = h.Value == "Bearer {{ _.token }}"
				}
			}
			if hasAuth != tt.authorized {
				t.Errorf("Authorization header present = %v, want %v (%+v)", hasAuth, tt.authorized, r.Headers)
			}
		})
	}
}

func TestGenerateParametersAndBodies(t *testing.T) {
	res, _ := generateTest(t)

	list := res["GET /tickets"]
	if len(list.Parameters) != 2 {
		t.Fatalf("query parameters = %+v", list.Parameters)
	}
	page, sort := list.Parameters[0], list.Parameters[1]
	if page.Name != "page" || page.Value != "1" || !page.Disabled {
		t.Errorf("optional page = %+v, want value 1 from the default, disabled", page)
	}
	if sort.Name != "sort" || sort.Value != "-ticket_no" || sort.Disabled {
		t.Errorf("required sort = %+v, want first enum value, enabled", sort)
	}

	patch := res["PATCH /tickets/1"]
	if patch.Body.MimeType != "application/json" {
		t.Fatalf("patch body = %+v", patch.Body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(patch.Body.Text), &body); err != nil {
		t.Fatalf("example body is not JSON: %v\n%s", err, patch.Body.Text)
	}
	want := map[string]any{"ticketstatus": "Open", "hours": 0.0, "when": "2024-01-31", "tags": []any{"urgent"}}
	for k, v := range want {
		got, _ := json.Marshal(body[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("body[%s] = %s, want %s", k, got, exp)
		}
	}
	// The self-referencing definition is cut off instead of recursing forever.
	parent, ok := body["parent"].(map[string]any)
	if !ok || parent["name"] != "n" {
		t.Errorf("body.parent = %v", body["parent"])
	}
	contentType := false
	for _, h := range patch.Headers {
		contentType = contentType || (h.Name == "Content-Type" && h.Value == "application/json")
	}
	if !contentType {
		t.Error("JSON body without Content-Type header")
	}

	upload := res["POST /tickets/1/documents"]
	if upload.Body.MimeType != "multipart/form-data" || len(upload.Body.Params) != 1 ||
		upload.Body.Params[0].Name != "file" || upload.Body.Params[0].Type != "file" {
		t.Errorf("upload body = %+v", upload.Body)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate([]byte(testSpec), Options{BaseURL: DefaultBaseURL})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := Generate([]byte(testSpec), Options{BaseURL: DefaultBaseURL})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two generations from the same spec differ")
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "swagger.json")
	if err := os.WriteFile(specPath, []byte(testSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "insomnia.json")
	if err := run([]string{"-spec", specPath, "-out", out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(b, []byte(`"base_url": "http://127.0.0.1:4050/api/v1"`)) {
		t.Errorf("written collection (err %v):\n%.300s", err, b)
	}

	tests := []struct {
		name, spec, wantErr string
	}{
		{"not JSON", "swagger: 2.0", "parse spec"},
		{"no paths", `{"swagger": "2.0", "paths": {}}`, "no paths"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.json")
			if err := os.WriteFile(p, []byte(tt.spec), 0o600); err != nil {
				t.Fatal(err)
			}
			err := run([]string{"-spec", p, "-out", filepath.Join(dir, "x.json")})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if err := run([]string{"-spec", filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("a missing spec file was accepted")
	}
}
