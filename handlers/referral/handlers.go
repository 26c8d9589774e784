// Package referral is 地域連携システム: referral letters (診療情報提供書)
// between members, with read receipts, the 返書, completion, corrections,
// the printed letters and the member directory (会員名簿).
//
// Where it is tested: referral_compose.go and referral_show.go beside them;
// referral_list.go in referral_show_test.go (inbox and sent) and
// referral_compose_test.go (drafts); referral_print.go (the letter and the
// 返書 as PDF) and member_directory.go in referral_show_test.go; the
// routes of handlers.go as every role in the shell's authz_test.go, with
// the shared fixture in env_test.go; the malformed and fuzzed forms in
// fuzz_test.go; the inbox under load in referral_load_test.go; the flow in
// Chromium with client certificates in referral_browser_test.go.
package referral

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	refviews "hotline/views/referral"
)

// Handlers are 地域連携's screens.
type Handlers struct {
	db  *store.DB
	web *web.Kit
}

// New builds the screens on the server's store and page kit, and gives the
// site header its unread count.
func New(db *store.DB, kit *web.Kit) *Handlers {
	h := &Handlers{db: db, web: kit}
	kit.SetReferralsUnread(h.headerUnread)
	return h
}

// Routes is 地域連携's route table; every route needs a facility member.
// Fixed paths come before /referrals/:id, which would take them.
func (h *Handlers) Routes() []web.Route {
	fm := web.FacilityMember
	return []web.Route{
		web.Get("/referrals", fm, h.showInbox),
		web.Get("/referrals/sent", fm, h.showSent),
		web.Get("/referrals/drafts", fm, h.showDrafts),
		web.Get("/referrals/unread", fm, h.showUnread),
		web.Get("/referrals/new", fm, h.showCompose),
		web.Post("/referrals/new", fm, h.saveNewReferral),
		web.Get("/referrals/:id.pdf", fm, h.web.Download(h.letterFile)),
		web.Get("/referrals/:id", fm, h.showReferral),
		web.Post("/referrals/:id/edit", fm, h.saveDraft),
		web.Post("/referrals/:id/delete", fm, h.deleteDraft),
		web.Post("/referrals/:id/reply", fm, h.saveReply),
		web.Get("/referrals/:id/reply.pdf", fm, h.web.Download(h.replyFile)),
		web.Post("/referrals/:id/complete", fm, h.completeReferral),
		web.Get("/referrals/:id/attachments/:att", fm, h.showAttachment),
		web.Get("/members", fm, h.showDirectory),
	}
}

// actor is who acts: the member, their facility and address.
func actor(c *fiber.Ctx) store.ReferralActor {
	m := web.MemberOf(c)
	return store.ReferralActor{MemberID: m.ID, FacilityOID: m.FacilityOID, Remote: c.IP()}
}

// letterID is the letter ID of the URL ("" when it is not one).
func letterID(c *fiber.Ctx) string { return store.NormalizeReferralID(c.Params("id")) }

// nav is the header with the facility's unread count.
func (h *Handlers) nav(c *fiber.Ctx, active string) refviews.Nav {
	n, _ := h.db.UnreadReferrals(web.MemberOf(c).FacilityOID)
	return refviews.Nav{Active: active, Unread: n}
}

// headerUnread is the site header's count: facility members only.
func (h *Handlers) headerUnread(c *fiber.Ctx) (int, bool) {
	m := web.MemberOf(c)
	if m == nil || m.IsOperator() || m.FacilityOID == "" {
		return 0, false
	}
	n, err := h.db.UnreadReferrals(m.FacilityOID)
	return n, err == nil
}

// flash maps 地域連携's ?done= keys to their confirmation.
func flash(c *fiber.Ctx) string {
	switch c.Query("done") {
	case "referral-sent":
		return "紹介状を送信しました。紹介先が開封すると「既読」になります。"
	case "referral-draft":
		return "下書きを保存しました。"
	case "referral-deleted":
		return "下書きを削除しました。"
	case "referral-replied":
		return "返書を送信しました。"
	case "referral-completed":
		return "紹介状を完了にしました。"
	}
	return ""
}

// clean bounds a query value that is echoed back into the page.
func clean(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return ""
	}
	return s
}
