// Package drugs is the drug master's screens: the search over the
// 薬価基準 (drug_search.go), the 添付文書 page of one drug (drug_show.go)
// and the operator's import of the ministry's list while the server runs
// (drug_import.go). The master itself, its import and its search index
// live in the store (store/drug*.go).
//
// Each screen action has its file and its test beside it; drugs_test.go
// holds the authorization rows of every route (handlers.go), fuzz_test.go the upload's
// malformed requests, drugs_browser_test.go the Chromium flows and
// drugs_load_test.go the fragment's load test over TLS.
package drugs

import (
	"sync"

	"hotline/handlers/web"
	"hotline/store"
)

// Handlers are the drug master's screens.
type Handlers struct {
	db  *store.DB
	web *web.Kit
	// imports keeps each operator's last import summary until its page is
	// shown after the redirect (a summary is too long for a URL).
	imports importSummaries
}

// New builds the drug screens on the server's store and page kit.
func New(db *store.DB, kit *web.Kit) *Handlers {
	return &Handlers{db: db, web: kit, imports: importSummaries{m: map[string]store.DrugImportSummary{}}}
}

// Routes is the drug screens' route table: any member with a full session
// searches and reads; only operators import.
func (h *Handlers) Routes() []web.Route {
	return []web.Route{
		web.Get("/drugs", web.Member, h.showDrugSearch),
		web.Get("/drugs/:code", web.Member, h.showDrug),
		web.Get("/admin/drugs", web.Operator, h.showDrugImport),
		web.Post("/admin/drugs", web.Operator, h.importDrugMaster),
	}
}

type importSummaries struct {
	mu sync.Mutex
	m  map[string]store.DrugImportSummary
}

func (s *importSummaries) put(operator string, sum store.DrugImportSummary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[operator] = sum
}

// take returns and forgets the operator's last summary.
func (s *importSummaries) take(operator string) (store.DrugImportSummary, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum, ok := s.m[operator]
	delete(s.m, operator)
	return sum, ok
}
