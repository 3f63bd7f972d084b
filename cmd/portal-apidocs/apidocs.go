package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// spec is the part of a Swagger 2.0 document the collection needs.
type spec struct {
	Info struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Version     string `json:"version"`
	} `json:"info"`
	BasePath    string                          `json:"basePath"`
	Consumes    []string                        `json:"consumes"`
	Paths       map[string]map[string]operation `json:"paths"`
	Definitions map[string]*schema              `json:"definitions"`
}

type operation struct {
	Summary     string                `json:"summary"`
	Description string                `json:"description"`
	Tags        []string              `json:"tags"`
	Consumes    []string              `json:"consumes"`
	Security    []map[string][]string `json:"security"`
	Parameters  []parameter           `json:"parameters"`
	Deprecated  bool                  `json:"deprecated"`
}

type parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description"`
	Required    bool    `json:"required"`
	Type        string  `json:"type"`
	Default     any     `json:"default"`
	Example     any     `json:"example"`
	XExample    any     `json:"x-example"`
	Enum        []any   `json:"enum"`
	Schema      *schema `json:"schema"`
}

type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Example              any                `json:"example"`
	Default              any                `json:"default"`
	Enum                 []any              `json:"enum"`
	Properties           map[string]*schema `json:"properties"`
	Items                *schema            `json:"items"`
	AllOf                []*schema          `json:"allOf"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
}

// Options are the generator's knobs.
type Options struct {
	// BaseURL is the server root; the spec's basePath is appended.
	BaseURL string
}

// httpMethods in the order requests of one path are listed.
var httpMethods = []string{"get", "post", "put", "patch", "delete"}

const (
	workspaceID   = "wrk_portal"
	environmentID = "env_portal"
)

// Generate turns a Swagger 2.0 document into an Insomnia v4 export: one
// workspace, a base environment {base_url, token}, a folder per tag and a
// request per operation. The output depends only on its input (stable ids,
// sorted keys), so the committed collection can be checked against the spec.
func Generate(specJSON []byte, opt Options) ([]byte, error) {
	var sp spec
	if err := json.Unmarshal(specJSON, &sp); err != nil {
		return nil, fmt.Errorf("parse spec: %w", err)
	}
	if len(sp.Paths) == 0 {
		return nil, fmt.Errorf("spec has no paths")
	}
	title := sp.Info.Title
	if title == "" {
		title = "API"
	}
	resources := []map[string]any{
		{
			"_id": workspaceID, "_type": "workspace", "parentId": nil,
			"name": title, "description": sp.Info.Description, "scope": "collection",
		},
		{
			"_id": environmentID, "_type": "environment", "parentId": workspaceID,
			"name": "Base Environment",
			"data": map[string]any{
				"base_url": strings.TrimRight(opt.BaseURL, "/") + sp.BasePath,
				"token":    "",
			},
		},
	}

	paths := make([]string, 0, len(sp.Paths))
	for p := range sp.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	folders := map[string]bool{}
	var requests []map[string]any
	ex := exampler{defs: sp.Definitions}
	for _, p := range paths {
		for _, m := range httpMethods {
			op, ok := sp.Paths[p][m]
			if !ok {
				continue
			}
			parent := workspaceID
			if len(op.Tags) > 0 {
				parent = "fld_" + slug(op.Tags[0])
				folders[op.Tags[0]] = true
			}
			requests = append(requests, buildRequest(ex, p, m, op, parent))
		}
	}

	tags := make([]string, 0, len(folders))
	for t := range folders {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	for _, t := range tags {
		resources = append(resources, map[string]any{
			"_id": "fld_" + slug(t), "_type": "request_group", "parentId": workspaceID, "name": t,
		})
	}
	resources = append(resources, requests...)

	export := map[string]any{
		"_type":           "export",
		"__export_format": 4,
		"__export_source": "portal-apidocs",
		"resources":       resources,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(export); err != nil {
		return nil, fmt.Errorf("encode collection: %w", err)
	}
	return buf.Bytes(), nil
}

func buildRequest(ex exampler, path, method string, op operation, parent string) map[string]any {
	url := path
	var query []map[string]any
	var form []map[string]any
	var body map[string]any
	for _, prm := range op.Parameters {
		switch prm.In {
		case "path":
			url = strings.ReplaceAll(url, "{"+prm.Name+"}", paramValue(prm))
		case "query":
			query = append(query, map[string]any{
				"name": prm.Name, "value": paramValue(prm), "description": prm.Description,
				"disabled": !prm.Required,
			})
		case "body":
			text := "{}"
			if prm.Schema != nil {
				b, err := json.MarshalIndent(ex.example(prm.Schema, 0), "", "  ")
				if err == nil {
					text = string(b)
				}
			}
			body = map[string]any{"mimeType": "application/json", "text": text}
		case "formData":
			f := map[string]any{"name": prm.Name, "description": prm.Description, "disabled": !prm.Required}
			if prm.Type == "file" {
				f["type"] = "file"
				f["fileName"] = ""
			} else {
				f["value"] = paramValue(prm)
			}
			form = append(form, f)
		}
	}
	if form != nil {
		body = map[string]any{"mimeType": "multipart/form-data", "params": form}
	}

	headers := []map[string]any{}
	if body != nil && body["mimeType"] == "application/json" {
		headers = append(headers, map[string]any{"name": "Content-Type", "value": "application/json"})
	}
	// The bearer token is the only scheme the portal has, so any security
	// requirement means the Authorization header.
	if len(op.Security) > 0 {
		headers = append(headers, map[string]any{"name": "Authorization", "value": "Bearer {{ _.token }}"})
	}

	name := op.Summary
	if name == "" {
		name = strings.ToUpper(method) + " " + path
	}
	desc := op.Description
	if desc == "" {
		desc = op.Summary
	}
	desc = strings.TrimSpace(desc + "\n\n`" + strings.ToUpper(method) + " " + path + "`")
	if op.Deprecated {
		desc += "\n\nDeprecated."
	}
	if body == nil {
		body = map[string]any{}
	}
	if query == nil {
		query = []map[string]any{}
	}
	sum := sha256.Sum256([]byte(method + " " + path))
	return map[string]any{
		"_id":         "req_" + hex.EncodeToString(sum[:8]),
		"_type":       "request",
		"parentId":    parent,
		"name":        name,
		"description": desc,
		"method":      strings.ToUpper(method),
		"url":         "{{ _.base_url }}" + url,
		"parameters":  query,
		"headers":     headers,
		"body":        body,
	}
}

// paramValue is what a request starts with for a path, query or form value:
// the documented example or default, else the first enum value, else a
// placeholder of the right type.
func paramValue(p parameter) string {
	for _, v := range []any{p.Example, p.XExample, p.Default} {
		if v != nil {
			return scalar(v)
		}
	}
	if len(p.Enum) > 0 {
		return scalar(p.Enum[0])
	}
	switch p.Type {
	case "integer", "number":
		return "1"
	case "boolean":
		return "false"
	}
	if p.In == "path" {
		return "1"
	}
	return ""
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", v), "0"), ".")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// exampler builds example JSON values from schemas.
type exampler struct{ defs map[string]*schema }

// maxDepth stops self-referencing definitions from recursing forever.
const maxDepth = 6

func (e exampler) example(s *schema, depth int) any {
	if s == nil || depth > maxDepth {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/definitions/")
		return e.example(e.defs[name], depth+1)
	}
	if len(s.AllOf) > 0 {
		merged := map[string]any{}
		for _, part := range s.AllOf {
			if m, ok := e.example(part, depth+1).(map[string]any); ok {
				for k, v := range m {
					merged[k] = v
				}
			}
		}
		return merged
	}
	if s.Default != nil {
		return s.Default
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch s.Type {
	case "string":
		switch s.Format {
		case "date-time":
			return "2024-01-31T12:00:00Z"
		case "date":
			return "2024-01-31"
		case "email":
			return "customer@example.com"
		}
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	case "array":
		if item := e.example(s.Items, depth+1); item != nil {
			return []any{item}
		}
		return []any{}
	}
	// "object" or untyped: properties in key order (maps marshal sorted).
	out := map[string]any{}
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out[k] = e.example(s.Properties[k], depth+1)
	}
	return out
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
