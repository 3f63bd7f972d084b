package records

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Querier runs VTQL queries.
type Querier interface {
	Query(ctx context.Context, q *vtiger.Select) ([]vtiger.Record, error)
	QueryAll(ctx context.Context, q *vtiger.Select, max int) ([]vtiger.Record, error)
	QueryUpTo(ctx context.Context, q *vtiger.Select, max int) ([]vtiger.Record, bool, error)
	Count(ctx context.Context, q *vtiger.Select) (int, error)
}

// Retriever reads single records, their related records and files.
type Retriever interface {
	Retrieve(ctx context.Context, id string) (vtiger.Record, error)
	RetrieveRelated(ctx context.Context, id, relatedType, relatedLabel string) ([]vtiger.Record, error)
	RetrieveFiles(ctx context.Context, attachmentID string) ([]vtiger.File, error)
}

// Writer creates, revises, relates and deletes records.
type Writer interface {
	Create(ctx context.Context, module string, element map[string]any) (vtiger.Record, error)
	CreateDocument(ctx context.Context, element map[string]any, fileName, mimeType string, content []byte) (vtiger.Record, error)
	Revise(ctx context.Context, element map[string]any) (vtiger.Record, error)
	Delete(ctx context.Context, id string) error
	AddRelated(ctx context.Context, sourceID, relatedID, label string) error
}

// Describer reads a module's schema.
type Describer interface {
	Describe(ctx context.Context, module string) (*vtiger.Module, error)
}

// Client is the part of the vtiger client the engine uses.
type Client interface {
	Querier
	Retriever
	Writer
	Describer
}

var _ Client = (*vtiger.Client)(nil)
