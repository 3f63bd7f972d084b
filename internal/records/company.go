package records

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Company returns the CompanyDetails record vtiger.business.companyId with
// the static vtiger.business.company fields merged over it (cached).
func (st *store) Company(ctx context.Context) (vtiger.Record, error) {
	return getAs(ctx, st.cache, cacheKey{kind: kindCompany}, st.ttl.TTL, func(ctx context.Context) (vtiger.Record, error) {
		out := vtiger.Record{}
		if id := st.biz.CompanyID; id != "" {
			if !vtiger.ValidID(id) {
				return nil, domain.Errorf(domain.EINTERNAL, "the company record is not configured correctly")
			}
			raw, err := st.c.Retrieve(ctx, id)
			if err != nil {
				return nil, vtiger.DomainError(err, "company")
			}
			if out, err = st.typedStandard(ctx, "CompanyDetails", raw); err != nil {
				return nil, err
			}
		}
		for k, v := range st.biz.Company {
			out[k] = v
		}
		return out, nil
	})
}

// managerFields are the only Users fields a customer sees (never
// user_name, access keys, preferences…).
var managerFields = []string{"first_name", "last_name", "title", "email2", "phone_work", "department",
	"description", "address_street", "address_city", "address_state", "address_postalcode", "address_country", "imagename"}

// Manager returns the public card of a CRM user (cached). Only ids of the
// Users module are accepted.
func (st *store) Manager(ctx context.Context, id string) (vtiger.Record, error) {
	s, err := st.Schema(ctx, "Users")
	if err != nil {
		return nil, err
	}
	if !s.ValidID(id) {
		return nil, domain.NotFound("manager")
	}
	rec, err := getAs(ctx, st.cache, cacheKey{kind: kindManager, id: id}, st.ttl.TTL, func(ctx context.Context) (vtiger.Record, error) {
		raw, err := st.c.Retrieve(ctx, id)
		if err != nil {
			return nil, vtiger.DomainError(err, "manager")
		}
		out := vtiger.Record{"id": id}
		for _, f := range managerFields {
			out[f] = raw.String(f)
		}
		if out["email2"] == "" {
			out["email2"] = raw.String("email1")
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return maps.Clone(rec), nil
}

// Currency returns a Currency record (cached for TTL, so a page of
// invoices costs at most one retrieve per distinct currency).
func (st *store) Currency(ctx context.Context, id string) (vtiger.Record, error) {
	if !vtiger.ValidID(id) {
		return nil, domain.NotFound("currency")
	}
	return getAs(ctx, st.cache, cacheKey{kind: kindCurrency, id: id}, st.ttl.TTL, func(ctx context.Context) (vtiger.Record, error) {
		raw, err := st.c.Retrieve(ctx, id)
		if err != nil {
			return nil, vtiger.DomainError(err, "currency")
		}
		return st.typedStandard(ctx, "Currency", raw)
	})
}

// baseCurrencyKey caches the CRM's base currency beside the Currency
// records (ids never contain "@").
var baseCurrencyKey = cacheKey{kind: kindCurrency, id: "@base"}

// BaseCurrency returns the CRM's base currency (Vtiger marks it with
// defaultid -11), cached for TTL. Catalogue prices (unit_price) are in it;
// a SELECT row of a product does not name it (only retrieve does).
func (st *store) BaseCurrency(ctx context.Context) (vtiger.Record, error) {
	return getAs(ctx, st.cache, baseCurrencyKey, st.ttl.TTL, func(ctx context.Context) (vtiger.Record, error) {
		rows, err := st.c.Query(ctx, vtiger.NewSelect().From("Currency").Where(vtiger.Eq("defaultid", "-11")).Limit(0, 1))
		if err != nil {
			return nil, vtiger.DomainError(err, "currency")
		}
		if len(rows) == 0 {
			return nil, domain.NotFound("currency")
		}
		return st.typedStandard(ctx, "Currency", rows[0])
	})
}

// Invoices returns {id, invoice_no} of the invoices created from a sales
// order (one query).
func (st *store) InvoicesOfSalesOrder(ctx context.Context, soID string) ([]vtiger.Record, error) {
	rows, err := st.c.Query(ctx, vtiger.NewSelect("invoice_no").From("Invoice").Where(vtiger.Eq("salesorder_id", soID)).Limit(0, 100))
	if err != nil {
		return nil, vtiger.DomainError(err, "invoice")
	}
	out := make([]vtiger.Record, 0, len(rows))
	for _, r := range rows {
		out = append(out, vtiger.Record{"id": r.String("id"), "invoice_no": r.String("invoice_no")})
	}
	return out, nil
}

// CreateLead creates a Leads record with validated values.
func (st *store) CreateLead(ctx context.Context, element map[string]any) (vtiger.Record, error) {
	raw, err := st.c.Create(ctx, "Leads", element)
	st.cache.Invalidate(Change{Module: "Leads"})
	if err != nil {
		return nil, vtiger.DomainError(err, "lead")
	}
	return st.typedStandard(ctx, "Leads", raw)
}

// typedStandard is typed for a built-in module the registry has no
// definition of (company, currencies, leads): no reference labels.
func (st *store) typedStandard(ctx context.Context, module string, raw vtiger.Record) (vtiger.Record, error) {
	s, err := st.Schema(ctx, module)
	if err != nil {
		return nil, err
	}
	return s.Type(raw, false, nil), nil
}

// ProductImage returns the first image attachment of a product as base64
// content when the product lists one; "" when none (never an error: the
// image is decoration).
func (st *store) ProductImage(ctx context.Context, productID, attachmentIDs string) string {
	att, _, _ := strings.Cut(attachmentIDs, ",")
	att = strings.TrimSpace(att)
	if !vtiger.ValidID(att) {
		return ""
	}
	v, err := st.cache.Get(ctx, cacheKey{kind: kindImage, id: att}, st.ttl.TTL, func(ctx context.Context) (any, error) {
		files, err := st.c.RetrieveFiles(ctx, att)
		if err != nil || len(files) == 0 {
			return "", err
		}
		return encodeBase64(files[0].Content), nil
	})
	if err != nil {
		st.log.DebugContext(ctx, "product image", "id", productID, "err", err)
		return ""
	}
	s, _ := v.(string)
	return s
}

// WarmUp loads at start-up what every customer's first pages need and
// nobody's scope limits: the company card, the currencies and the CRM
// users who answer comments — one query each instead of a call on the
// first requests. Failures only leave the work to those requests.
func (s *Engine) WarmUp(ctx context.Context) error {
	var errs []error
	if _, err := s.st.Company(ctx); err != nil {
		errs = append(errs, fmt.Errorf("company: %w", err))
	}
	if rows, err := s.st.c.Query(ctx, vtiger.NewSelect().From("Currency").Limit(0, scanWindow)); err != nil {
		errs = append(errs, fmt.Errorf("currencies: %w", err))
	} else if sc, err := s.st.Schema(ctx, "Currency"); err == nil {
		for _, r := range rows {
			if id := r.String("id"); vtiger.ValidID(id) {
				s.cache.Set(ctx, cacheKey{kind: kindCurrency, id: id}, sc.Type(r, false, nil), s.cfg.Cache.TTL)
			}
		}
	}
	if rows, err := s.st.c.Query(ctx, vtiger.NewSelect("first_name", "last_name", "email1").From("Users").Limit(0, scanWindow)); err != nil {
		errs = append(errs, fmt.Errorf("users: %w", err))
	} else {
		for _, r := range rows {
			a := Author{ID: r.String("id"), FirstName: r.String("first_name"), LastName: r.String("last_name"), Email: r.String("email1")}
			s.cache.Set(ctx, cacheKey{kind: kindUser, id: a.ID}, a, s.cfg.Cache.TTL)
		}
	}
	return errors.Join(errs...)
}
