// Package dms is 医療記録 (DMS): a facility's records about its patients
// (registered there or linked to it in PRS), versioned, with attachments,
// withdrawn but never deleted, and disclosed to the patient or to a
// facility the patient is linked to by consent. The store side is
// store/record*.go; the patient's own page is a separate domain.
//
// Each screen action has its file; the tests are in dms_test.go (the
// authorization matrix over every route of handlers.go and every role),
// record_test.go (record_new.go, record_save.go, record_revise.go,
// record_withdraw.go and record_disclose.go: types, sizes, counts, forged
// IDs, file names; record_list.go's filters; record_show.go's attachment
// headers), fuzz_test.go (the multipart forms) and browser_test.go (the
// Chromium flow with client certificates).
package dms

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// Handlers are DMS's screens.
type Handlers struct {
	db  *store.DB
	web *web.Kit
}

// New builds DMS's screens on the server's store and page kit.
func New(db *store.DB, kit *web.Kit) *Handlers {
	return &Handlers{db: db, web: kit}
}

// Routes is DMS's route table; every route needs a facility member.
func (h *Handlers) Routes() []web.Route {
	fm := web.FacilityMember
	return []web.Route{
		web.Get("/dms", fm, h.member(h.showRecordList)),
		web.Get("/dms/records/new", fm, h.member(h.showNewRecord)),
		web.Post("/dms/records", fm, h.member(h.saveRecord)),
		web.Get("/dms/records/:id", fm, h.member(h.showRecord)),
		web.Get("/dms/records/:id/versions/:v", fm, h.member(h.showRecordVersion)),
		web.Get("/dms/records/:id/attachments/:n", fm, h.member(h.showRecordAttachment)),
		web.Get("/dms/records/:id/revise", fm, h.member(h.showReviseRecord)),
		web.Post("/dms/records/:id/revise", fm, h.member(h.reviseRecord)),
		web.Post("/dms/records/:id/withdraw", fm, h.member(h.withdrawRecord)),
		web.Post("/dms/records/:id/disclosures", fm, h.member(h.saveDisclosure)),
		web.Post("/dms/records/:id/disclosures/:d/revoke", fm, h.member(h.revokeDisclosure)),
	}
}

const (
	localActor    = "dms-actor"
	localFacility = "dms-facility"
)

// member sets the actor (the member and their facility) for a handler; a
// suspended facility gets 403.
func (h *Handlers) member(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m := web.MemberOf(c)
		f, err := h.db.Facility(m.FacilityOID)
		if err != nil {
			return err
		}
		if !f.Active {
			return store.Errorf(store.EFORBIDDEN, "この施設（%s）は利用停止中のため、医療記録は利用できません。運営者にお問い合わせください。", f.OID)
		}
		c.Locals(localActor, &store.PRSActor{MemberID: m.ID, FacilityOID: m.FacilityOID, Remote: c.IP()})
		c.Locals(localFacility, f.Name)
		return next(c)
	}
}

func actor(c *fiber.Ctx) store.PRSActor {
	return *c.Locals(localActor).(*store.PRSActor)
}

func facilityName(c *fiber.Ctx) string {
	s, _ := c.Locals(localFacility).(string)
	return s
}

// recordParam is the record ID of the path.
func recordParam(c *fiber.Ctx) string { return c.Params("id") }

// intParam is a positive number of the path (0 when it is not one, which
// every store lookup answers with 404).
func intParam(c *fiber.Ctx, name string) int {
	n, err := strconv.Atoi(c.Params(name))
	if err != nil || n < 0 || n > 1<<20 {
		return 0
	}
	return n
}

// dmsFlash maps ?done= keys to their confirmation.
func dmsFlash(c *fiber.Ctx) string {
	switch c.Query("done") {
	case "dms-created":
		return "記録を保存しました。"
	case "dms-revised":
		return "記録を修正しました（新しい版になりました。前の版は履歴から読めます）。"
	case "dms-withdrawn":
		return "記録を取り下げました。作成した施設以外からは見えなくなりました。"
	case "dms-disclosed":
		return "公開しました。"
	case "dms-revoked":
		return "公開を取り消しました。公開先からは見えなくなりました（これまでの閲覧は記録に残ります）。"
	}
	return ""
}
