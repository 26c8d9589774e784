// Package patient is the patient page (患者様ページ, /patient/…): a patient
// logs in with the patient ID and access code of the access card that PRS
// prints (no client certificate: patients have none, the one exception to
// the certificate rule, and only here), reads the records disclosed to
// them with their attachments, and sees in 閲覧履歴 everyone who opened
// them. The session has its own cookie (web.PatientSessionCookie), which
// the shell reads only on /patient/… and the member's cookie nowhere
// there, so neither kind of session reaches the other's pages.
//
// Where it is tested: login.go in login_test.go (variants, the throttle,
// timeouts, logout, a new card), the record and access screens in
// records_test.go (records.go and access_log.go), every route of
// handlers.go as every role in matrix_test.go, the login
// form's malformed and fuzzed posts in fuzz_test.go, the flow in Chromium
// in browser_test.go, server times in bench_test.go.
package patient

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// Handlers are the patient page's screens.
type Handlers struct {
	db  *store.DB
	web *web.Kit
}

// New builds the patient page on the server's store and page kit.
func New(db *store.DB, kit *web.Kit) *Handlers {
	return &Handlers{db: db, web: kit}
}

// Routes is the patient page's route table.
func (h *Handlers) Routes() []web.Route {
	p := web.Patient
	return []web.Route{
		web.Get("/patient/login", web.Public, h.showLogin),
		web.Post("/patient/login", web.Public, h.login),
		web.Post("/patient/logout", p, h.patient(h.logout)),
		web.Get("/patient", p, h.patient(h.showRecordList)),
		web.Get("/patient/records/:id", p, h.patient(h.showRecord)),
		web.Get("/patient/records/:id/attachments/:n", p, h.patient(h.sendAttachment)),
		web.Get("/patient/access", p, h.patient(h.showAccessLog)),
	}
}

const localPatient = "patient"

// patient wraps a handler of a patient session: it finds the session's
// patient, and ends the session of one no longer active.
func (h *Handlers) patient(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		sess := web.SessionOf(c)
		p, err := h.db.PatientPageOwner(sess.PatientID)
		if err != nil {
			if store.ErrorCode(err) != store.ENOTFOUND {
				return err
			}
			if err := h.endSession(c); err != nil {
				return err
			}
			to := "/patient/login"
			if web.IsRead(c) {
				to += "?next=" + url.QueryEscape(string(c.Request().URI().RequestURI()))
			}
			return web.Redirect(c, to)
		}
		c.Locals(localPatient, &p)
		return next(c)
	}
}

// patientOf is the session's patient (set by patient).
func patientOf(c *fiber.Ctx) *store.Patient {
	p, _ := c.Locals(localPatient).(*store.Patient)
	return p
}

// endSession ends the request's patient session and drops its cookie.
func (h *Handlers) endSession(c *fiber.Ctx) error {
	if sess := web.SessionOf(c); sess != nil {
		if err := h.db.EndSession(sess.ID); err != nil {
			return err
		}
	}
	web.SetSession(c, nil)
	web.ClearPatientSessionCookie(c)
	return nil
}

// audit writes the patient's view of a page, durable before the page is
// answered (in a commit shared with the lines queued at the same time).
func (h *Handlers) audit(c *fiber.Ctx, action store.AuditAction, object string) error {
	p := patientOf(c)
	return h.db.AuditGrouped(store.AuditEvent{Actor: "patient:" + p.ID, Action: action, Object: object, Patient: p.ID, Remote: c.IP()})
}
