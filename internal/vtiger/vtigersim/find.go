package vtigersim

import "sort"

// Find returns the ids of the live records of module whose stored values
// equal every entry of match, in creation order: what a test asks the CRM
// after the portal wrote to it ("the comments related to this quote").
func (s *Server) Find(module string, match map[string]string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*record
	for _, r := range s.records {
		if r.deleted || r.mod.name != module {
			continue
		}
		ok := true
		for k, v := range match {
			if r.vals[k] != v {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, r)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].num < found[j].num })
	ids := make([]string, 0, len(found))
	for _, r := range found {
		ids = append(ids, r.id())
	}
	return ids
}
