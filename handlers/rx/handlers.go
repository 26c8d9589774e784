// Package rx is Web処方箋: the composer (with the drug search in pick mode,
// 約束処方 and the 重複投薬チェック), issuing and drafts, the list, the
// prescriber's page, the printed form and cancelling.
//
// Each screen action has its file; they are tested in rx_test.go
// (rx_compose.go, rx_lines.go and rx_save.go by validation tables,
// rx_show.go's issue and cancel, rx_presets.go, rx_list.go),
// matrix_test.go (every route of handlers.go for every role), pdf_test.go
// (rx_print.go), fuzz_test.go (the composer's form) and rx_browser_test.go
// (the whole flow in Chromium with client certificates).
package rx

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// Handlers are Web処方箋's screens.
type Handlers struct {
	db  *store.DB
	web *web.Kit
}

// New builds the screens on the server's store and page kit.
func New(db *store.DB, kit *web.Kit) *Handlers {
	return &Handlers{db: db, web: kit}
}

// Routes is the route table. Every route needs a member of a facility;
// the store refuses members of a pharmacy (403) and lets only doctors
// and dentists issue and cancel.
func (h *Handlers) Routes() []web.Route {
	fm := web.FacilityMember
	return []web.Route{
		web.Get("/rx", fm, h.showRxList),
		web.Post("/rx", fm, h.saveRx),
		web.Get("/rx/new", fm, h.showComposer),
		web.Get("/rx/new/line", fm, h.showComposerLine),
		web.Get("/rx/drugs", fm, h.showDrugPicker),
		web.Post("/rx/check", fm, h.checkDuplicates),
		web.Get("/rx/presets", fm, h.showPresets),
		web.Post("/rx/presets", fm, h.savePreset),
		web.Get("/rx/presets/:pid/lines", fm, h.showPresetLines),
		web.Post("/rx/presets/:pid/rename", fm, h.renamePreset),
		web.Post("/rx/presets/:pid/delete", fm, h.deletePreset),
		web.Get("/rx/:id.pdf", fm, h.web.Download(h.prescriptionPDF)),
		web.Get("/rx/:id", fm, h.showRx),
		web.Post("/rx/:id/cancel", fm, h.cancelRx),
	}
}

// actor is who acts.
func actor(c *fiber.Ctx) store.RxActor {
	m := web.MemberOf(c)
	return store.RxActor{MemberID: m.ID, Remote: c.IP()}
}

// rxFlash maps the ?done= keys of Web処方箋.
func rxFlash(c *fiber.Ctx) string {
	switch c.Query("done") {
	case "rx-issued":
		return "処方箋を発行しました。印刷して患者様にお渡しください。"
	case "rx-draft":
		return "下書きを保存しました。医師が内容を確認して発行します。"
	case "rx-cancelled":
		return "処方箋を取り消しました（記録は残ります）。"
	case "rx-preset-saved":
		return "約束処方を保存しました。"
	case "rx-preset-renamed":
		return "約束処方を変更しました。"
	case "rx-preset-deleted":
		return "約束処方を削除しました。"
	}
	return ""
}
