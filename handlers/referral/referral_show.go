package referral

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	refviews "hotline/views/referral"
)

func replyForm(values map[string]string) views.Form {
	return views.NewForm(store.ReplySpec, values)
}

// showReferral is a letter's page. The receiver's first open marks it 既読
// (durably, with the audit line, before the page is answered). A draft
// opens as its edit form.
func (h *Handlers) showReferral(c *fiber.Ctx) error {
	a := actor(c)
	if c.Method() == fiber.MethodHead {
		// HEAD asks for the headers only: it neither marks the letter 既読
		// nor writes an audit line.
		if err := h.db.CheckReferral(a, letterID(c)); err != nil {
			return err
		}
		c.Type("html", "utf-8")
		return nil
	}
	rv, err := h.db.OpenReferral(a, letterID(c))
	if err != nil {
		return err
	}
	r := rv.Referral
	if !r.Sent() {
		v := refviews.ComposeView{Nav: h.nav(c, "drafts"), Draft: r, Form: composeForm(store.FormFromReferral(r).Values()), Today: h.db.Now()}
		if p, err := h.patientOf(a, r.Patient.ID); err == nil {
			v.Patient = p
		}
		if err := h.withRecords(a, &v, r.RecordIDs()); err != nil {
			return err
		}
		v.Flash = flash(c)
		return h.web.Render(c, "下書きの編集", refviews.Compose(v))
	}
	today := h.db.Now().In(store.Tokyo).Format("2006-01-02")
	v := refviews.LetterView{Nav: h.nav(c, tabOf(rv.Side)), Referral: r, Side: rv.Side, Flash: flash(c),
		Reply: replyForm(map[string]string{"visited_on": today}), RecordOpen: rv.RecordOpen}
	return h.web.Render(c, "紹介状 "+r.ID, refviews.Letter(v))
}

func tabOf(s store.ReferralSide) string {
	if s == store.SideSender {
		return "sent"
	}
	return "in"
}

// saveReply sends the 返書 (receiving side only): 303 to the letter, 422
// with the messages beside the fields, 409 when already answered.
func (h *Handlers) saveReply(c *fiber.Ctx) error {
	a, id := actor(c), letterID(c)
	f := store.ReplyFormFrom(web.Bind(c, store.ReplySpec))
	_, err := h.db.ReplyReferral(a, id, f)
	if err == nil {
		return web.Redirect(c, "/referrals/"+id+"?done=referral-replied")
	}
	if store.ErrorCode(err) != store.EINVALID {
		return err
	}
	r, rerr := h.db.ReferralForPrint(a, id, false)
	if rerr != nil {
		return rerr
	}
	open, rerr := h.db.ReferralRecordsOpen(a, r)
	if rerr != nil {
		return rerr
	}
	return h.web.InvalidForm(c, err, "紹介状 "+r.ID, func(form views.Form) templ.Component {
		return refviews.Letter(refviews.LetterView{Nav: h.nav(c, "in"), Referral: r, Side: store.SideReceiver, Reply: form, RecordOpen: open})
	}, replyForm(f.Values()))
}

// completeReferral is the sender's 完了.
func (h *Handlers) completeReferral(c *fiber.Ctx) error {
	id := letterID(c)
	if _, err := h.db.CompleteReferral(actor(c), id); err != nil {
		return err
	}
	return web.Redirect(c, "/referrals/"+id+"?done=referral-completed")
}

// showAttachment streams a letter's attachment to those who see the letter.
func (h *Handlers) showAttachment(c *fiber.Ctx) error {
	rd, err := h.db.OpenReferralAttachment(actor(c), letterID(c), c.Params("att"))
	if err != nil {
		return err
	}
	return web.SendAttachment(c, rd)
}
