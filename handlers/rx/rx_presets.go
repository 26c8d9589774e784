package rx

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	rxviews "hotline/views/rx"
)

// showPresets is 約束処方: the member's presets and those shared in the
// facility, with rename and delete for the owner.
func (h *Handlers) showPresets(c *fiber.Ctx) error {
	return h.renderPresets(c, fiber.StatusOK, rxviews.PresetsView{Flash: rxFlash(c)})
}

func (h *Handlers) renderPresets(c *fiber.Ctx, status int, v rxviews.PresetsView) error {
	a := actor(c)
	list, err := h.db.RxPresets(a)
	if err != nil {
		return err
	}
	v.Presets, v.MemberID = list, a.MemberID
	return h.web.RenderStatus(c, status, "約束処方", rxviews.Presets(v))
}

// savePreset is POST /rx/presets from the composer: its lines under name
// (shared=1: for the facility). htmx gets the message in the composer;
// without JavaScript the presets page.
func (h *Handlers) savePreset(c *fiber.Ctx) error {
	lines, err := parseLines(c)
	if err == nil {
		_, err = h.db.SaveRxPreset(actor(c), c.FormValue("name"), web.Posted(c, "shared"), lines.Lines)
	}
	if web.IsHTMX(c) {
		if err != nil {
			if store.ErrorCode(err) != store.EINVALID {
				return err
			}
			c.Status(fiber.StatusUnprocessableEntity)
			return h.web.Partial(c, rxviews.PresetSaved("", presetError(err)))
		}
		return h.web.Partial(c, rxviews.PresetSaved("約束処方「"+c.FormValue("name")+"」を保存しました。", ""))
	}
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		f := views.NewForm(store.RxPresetSpec, nil)
		f.Message = presetError(err)
		return h.renderPresets(c, fiber.StatusUnprocessableEntity, rxviews.PresetsView{Form: f})
	}
	return web.Redirect(c, "/rx/presets?done=rx-preset-saved")
}

// presetError is one line saying what is wrong with a preset.
func presetError(err error) string {
	fe := store.ErrorFields(err)
	if m := fe["name"]; m != "" {
		return m
	}
	for k, m := range fe {
		if k != "name" {
			return "処方の行を確認してください：" + m
		}
	}
	return store.ErrorMessage(err)
}

// showPresetLines answers a preset's lines for the composer (htmx), from
// index n on, with the tail moved past them.
func (h *Handlers) showPresetLines(c *fiber.Ctx) error {
	n, err := lineIndexParam(c)
	if err != nil {
		return err
	}
	p, err := h.db.RxPreset(actor(c), c.Params("pid"))
	if err != nil {
		return err
	}
	values := map[string]string{}
	var order []int
	for i, l := range p.Lines {
		if n+i > maxLineIndex {
			break
		}
		putLine(values, n+i, l)
		order = append(order, n+i)
	}
	h.fillDrugNames(values, order)
	form := views.NewForm(store.RxLineSpec, values)
	frag := rxviews.LinesFragment{}
	for _, i := range order {
		frag.Lines = append(frag.Lines, rxviews.LineView{N: i, Form: form})
	}
	if len(frag.Lines) > 0 {
		frag.Lines[len(frag.Lines)-1].CheckOnLoad = true
	}
	if next := n + len(order); next <= maxLineIndex {
		if frag.Tail, err = h.tail(c, next); err != nil {
			return err
		}
	}
	c.Set("Vary", "HX-Request")
	return h.web.Partial(c, rxviews.Lines(frag))
}

// renamePreset is POST /rx/presets/{id}/rename (name, shared).
func (h *Handlers) renamePreset(c *fiber.Ctx) error {
	id := c.Params("pid")
	_, err := h.db.RenameRxPreset(actor(c), id, c.FormValue("name"), web.Posted(c, "shared"))
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		f := views.NewForm(store.RxPresetSpec, map[string]string{"name": c.FormValue("name")})
		f.Errors = store.ErrorFields(err)
		return h.renderPresets(c, fiber.StatusUnprocessableEntity, rxviews.PresetsView{Form: f, FormID: id})
	}
	return web.Redirect(c, "/rx/presets?done=rx-preset-renamed")
}

// deletePreset is POST /rx/presets/{id}/delete.
func (h *Handlers) deletePreset(c *fiber.Ctx) error {
	if err := h.db.DeleteRxPreset(actor(c), c.Params("pid")); err != nil {
		return err
	}
	return web.Redirect(c, "/rx/presets?done=rx-preset-deleted")
}
