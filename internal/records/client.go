package records

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Client is the part of the vtiger client the repositories use.
type Client interface {
	Query(ctx context.Context, q *vtiger.Select) ([]vtiger.Record, error)
	QueryAll(ctx context.Context, q *vtiger.Select, max int) ([]vtiger.Record, error)
	QueryUpTo(ctx context.Context, q *vtiger.Select, max int) ([]vtiger.Record, bool, error)
	Count(ctx context.Context, q *vtiger.Select) (int, error)
	Retrieve(ctx context.Context, id string) (vtiger.Record, error)
	Create(ctx context.Context, module string, element map[string]any) (vtiger.Record, error)
	CreateDocument(ctx context.Context, element map[string]any, fileName, mimeType string, content []byte) (vtiger.Record, error)
	Revise(ctx context.Context, element map[string]any) (vtiger.Record, error)
	Delete(ctx context.Context, id string) error
	Describe(ctx context.Context, module string) (*vtiger.Module, error)
	RetrieveRelated(ctx context.Context, id, relatedType, relatedLabel string) ([]vtiger.Record, error)
	AddRelated(ctx context.Context, sourceID, relatedID, label string) error
	RetrieveFiles(ctx context.Context, attachmentID string) ([]vtiger.File, error)
}

var _ Client = (*vtiger.Client)(nil)
