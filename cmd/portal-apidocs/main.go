// Command portal-apidocs writes an importable Insomnia collection
// (documents/insomnia.json) from the generated OpenAPI spec, so a newcomer
// can try every route without copying URLs by hand. `make swagger` runs it
// right after swag; a test keeps the committed collection equal to a fresh
// generation from the committed spec.
//
//	go run ./cmd/portal-apidocs -spec documents/swagger.json -out documents/insomnia.json
//
// The collection holds no secrets: the token variable starts empty.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
)

// DefaultBaseURL is the portal's default listen address (http.host:http.port).
const DefaultBaseURL = "http://127.0.0.1:4050"

func main() {
	if err := run(os.Args[1:]); err != nil {
		slog.Error("portal-apidocs", "err", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("portal-apidocs", flag.ContinueOnError)
	specPath := fs.String("spec", "documents/swagger.json", "Swagger 2.0 JSON to read")
	out := fs.String("out", "documents/insomnia.json", "Insomnia v4 export to write")
	baseURL := fs.String("base-url", DefaultBaseURL, "server root put in the environment's base_url (basePath is appended)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	in, err := os.ReadFile(*specPath)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	b, err := Generate(in, Options{BaseURL: *baseURL})
	if err != nil {
		return fmt.Errorf("%s: %w", *specPath, err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return fmt.Errorf("write collection: %w", err)
	}
	return nil
}
