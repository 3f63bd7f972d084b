package app

import (
	"context"

	deliveryhttp "github.com/portalcrm/vtiger-portal/internal/delivery/http"
)

// services holds the wired services (filled by buildServices).
type services struct{}

// buildServices constructs repositories and services over the open pools.
func (m *Main) buildServices(ctx context.Context) error { return nil }

func (m *Main) deps() deliveryhttp.Deps {
	return deliveryhttp.Deps{
		Config:  *m.Config,
		Logger:  m.Logger,
		Version: m.opts.Version,
		Ready: func(ctx context.Context) error {
			return m.DB.Ping(ctx)
		},
	}
}

// createDemoUsers makes the demo data's portal users log-in-able.
func (m *Main) createDemoUsers(ctx context.Context) error { return nil }

// startJobs starts the background jobs; each stops when ctx is cancelled
// and Close waits for them.
func (m *Main) startJobs(ctx context.Context) {}
