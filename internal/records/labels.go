package records

import (
	"context"
	"slices"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// refLabels resolves the labels of the reference values in rows (custom
// modules render references as {id, label}): one query per referenced
// module, never one retrieve per value. Labels are decoration, so failures
// only leave them empty.
func (st *store) refLabels(ctx context.Context, s *Schema, rows []vtiger.Record) map[string]string {
	byModule := map[string][]string{}
	prefixModule := map[string]string{}
	described := map[string]bool{}
	for name, refs := range s.refersTo {
		if (s.kinds[name] != kRef && s.kinds[name] != kOwner) || len(refs) == 0 {
			continue
		}
		for _, m := range refs {
			if described[m] {
				continue
			}
			described[m] = true
			ms, err := st.Schema(ctx, m)
			if err != nil || ms.Prefix == "" {
				continue
			}
			prefixModule[ms.Prefix] = m
		}
		for _, r := range rows {
			v := r.String(name)
			m, ok := prefixModule[vtiger.IDPrefix(v)]
			if ok && !slices.Contains(byModule[m], v) {
				byModule[m] = append(byModule[m], v)
			}
		}
	}
	labels := map[string]string{}
	for m, ids := range byModule {
		ms, err := st.Schema(ctx, m)
		if err != nil {
			continue
		}
		var fields []string
		for _, f := range strings.Split(ms.Module.LabelFields, ",") {
			if f = strings.TrimSpace(f); ms.Has(f) && identRe.MatchString(f) && ms.kinds[f] != kHidden {
				fields = append(fields, f)
			}
		}
		if len(fields) == 0 {
			continue
		}
		for len(ids) > 0 {
			n := min(len(ids), 100)
			got, err := st.c.Query(ctx, vtiger.NewSelect(fields...).From(m).Where(vtiger.In("id", ids[:n]...)).Limit(0, n))
			if err != nil {
				st.log.DebugContext(ctx, "reference labels", "module", m, "err", err)
				break
			}
			for _, r := range got {
				parts := make([]string, 0, len(fields))
				for _, f := range fields {
					if v := strings.TrimSpace(r.String(f)); v != "" {
						parts = append(parts, v)
					}
				}
				labels[r.String("id")] = strings.Join(parts, " ")
			}
			ids = ids[n:]
		}
	}
	return labels
}
