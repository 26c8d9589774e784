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
	return store.AuditQuery{Actor: c.Query("actor"), Patient: c.Query("patient"), Action: c.Query("action"),
		From: c.Query("from"), To: c.Query("to")}
}

// auditValues are the form's values, and the same as a query string for
// the paging and CSV links.
func auditValues(q store.AuditQuery) (map[string]string, string) {
	values := map[string]string{"actor": q.Actor, "patient": q.Patient, "action": q.Action, "from": q.From, "to": q.To}
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
	q := auditQueryOf(c)
	filter, err := q.Filter()
	values, query := auditValues(q)
	v := views.AuditLogView{Form: views.Form{Values: values, Order: store.AuditQueryFields, Labels: views.AuditLabels}}
	var verr error
	if v.Verification, v.VerifiedAt, verr = s.auditChain.result(s.db); verr != nil {
		return verr
	}
	status := fiber.StatusOK
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
	return s.renderStatus(c, status, "監査ログ", views.Admin("audit", views.AuditLog(v)))
}

// auditChainCache keeps the last verification of the whole chain for a
// minute: a page view should not walk a log of millions of events each
// time. hotline check always walks it all.
type auditChainCache struct {
	mu  sync.Mutex
	at  time.Time
	res store.AuditVerification
}

const auditVerifyEvery = time.Minute

func (a *auditChainCache) result(db *store.DB) (store.AuditVerification, time.Time, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := db.Now()
	if a.at.IsZero() || now.Sub(a.at) > auditVerifyEvery || now.Before(a.at) {
		res, err := db.VerifyAudit()
		if err != nil {
			return res, now, err
		}
		a.res, a.at = res, now
	}
	return a.res, a.at, nil
}
