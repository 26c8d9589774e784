package handlers

import (
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// auditPageSize is how many events one page of the audit log shows.
const auditPageSize = 100

// auditQueryOf reads the search form from the query string.
func auditQueryOf(c *fiber.Ctx) store.AuditQuery {
	return store.AuditQueryFrom(store.AuditQuerySpec.Bind(func(name string) string { return c.Query(name) }))
}

// auditValues are the form's values, and the same as a query string for
// the paging and CSV links.
func auditValues(q store.AuditQuery) (map[string]string, string) {
	values := q.Values()
	enc := url.Values{}
	for k, s := range values {
		if s != "" {
			enc.Set(k, s)
		}
	}
	return values, enc.Encode()
}

// showAuditLog is the operator's 監査ログ: search by actor, patient,
// action and dates (Japan time), newest first, a page at a time, with the
// chain verification on top. Nothing on it edits the log.
func (s *Server) showAuditLog(c *fiber.Ctx) error {
	chain, err := s.auditChain.result(s.db)
	if err != nil {
		return err
	}
	q := auditQueryOf(c)
	values, query := auditValues(q)
	head, err := s.db.AuditHead()
	if err != nil {
		return err
	}
	v := views.AuditLogView{Form: views.NewForm(store.AuditQuerySpec, values),
		Verification: chain.Result, VerifiedAt: chain.At, FullyVerifiedAt: chain.FullAt,
		Anchors: s.db.AuditAnchorStatus(), Head: head}
	status := fiber.StatusOK
	filter, err := q.Filter()
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		v.Form.Errors = store.ErrorFields(err)
		status = fiber.StatusUnprocessableEntity
	} else {
		before, _ := strconv.ParseUint(c.Query("before"), 10, 64)
		filter.Before, filter.Limit = before, auditPageSize
		page, err := s.db.ListAudit(filter)
		if err != nil {
			return err
		}
		v.Events, v.Next, v.Paged, v.Query = page.Events, page.Next, before > 0, query
	}
	return s.web.RenderStatus(c, status, "監査ログ", views.Admin("audit", views.AuditLog(v)))
}

// auditChainCache verifies the audit chain for its page without walking
// millions of events on every view: each view verifies only what was
// appended since the last verified event (and that event itself), and the
// whole chain is walked again in the background once it is older than
// auditFullEvery. hotline check always walks it all.
type auditChainCache struct {
	mu          sync.Mutex
	res         store.AuditVerification
	mark        store.AuditMark
	fullAt      time.Time // when the whole chain was last walked
	at          time.Time // when the result was last brought up to date
	fullRunning bool
}

const auditFullEvery = time.Hour

// auditChainState is the verification as the page shows it.
type auditChainState struct {
	Result store.AuditVerification
	FullAt time.Time
	At     time.Time
}

func (a *auditChainCache) result(db *store.DB) (auditChainState, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := db.Now()
	switch {
	case a.fullAt.IsZero():
		res, mark, err := db.VerifyAuditFrom(store.AuditMark{})
		if err != nil {
			return auditChainState{}, err
		}
		a.res, a.mark, a.fullAt, a.at = res, mark, now, now
	case a.res.OK:
		res, mark, err := db.VerifyAuditFrom(a.mark)
		if err != nil {
			return auditChainState{}, err
		}
		a.res, a.mark, a.at = res, mark, now
	}
	if now.Sub(a.fullAt) > auditFullEvery && !a.fullRunning {
		a.fullRunning = true
		go a.walkAll(db)
	}
	return auditChainState{Result: a.res, FullAt: a.fullAt, At: a.at}, nil
}

// walkAll verifies the whole chain again and keeps the result, unless a
// newer result already found the chain broken.
func (a *auditChainCache) walkAll(db *store.DB) {
	started := db.Now()
	res, mark, err := db.VerifyAuditFrom(store.AuditMark{})
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fullRunning = false
	if err != nil || !a.res.OK && res.OK {
		return
	}
	a.res, a.mark, a.fullAt, a.at = res, mark, started, started
}
