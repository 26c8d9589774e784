package rx

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	drugviews "hotline/views/drugs"
	rxviews "hotline/views/rx"
)

// spareLines is how many empty lines the composer offers beyond those
// filled (for use without JavaScript).
const spareLines = 2

// composerState is what a composer page is made of.
type composerState struct {
	patient   store.RxPatient
	values    map[string]string
	order     []int
	draftID   string
	presetMsg string
	errs      error
}

// renderComposer shows the composer with the duplicate check of its lines.
func (h *Handlers) renderComposer(c *fiber.Ctx, status int, s composerState) error {
	a := actor(c)
	role, err := h.db.RxRoleOf(a)
	if err != nil {
		return err
	}
	h.fillDrugNames(s.values, s.order)
	order := withSpares(s.order)
	dups, err := h.db.DuplicateMedications(a, s.patient.Patient.ID, checkLines(s.values, order), s.draftID)
	if err != nil {
		return err
	}
	presets, err := h.db.RxPresets(a)
	if err != nil {
		return err
	}
	form := views.NewForm(store.RxSpec, s.values)
	if s.errs != nil {
		form.Errors = store.ErrorFields(s.errs)
		if len(form.Errors) == 0 {
			form.Message = store.ErrorMessage(s.errs)
		}
		form.Labels = lineLabels(form.Labels, form.Errors)
	}
	v := rxviews.ComposerView{Patient: s.patient, Form: form, Lines: order, CanIssue: role.CanIssue, DraftID: s.draftID,
		Duplicates: dups, Presets: presets, PresetMsg: s.presetMsg, Now: h.db.Now()}
	return h.web.RenderStatus(c, status, "処方箋の作成", rxviews.Composer(v))
}

// lineLabels names the lines' fields in the error summary (3行目 用量).
func lineLabels(base map[string]string, errs store.FieldErrors) map[string]string {
	out := make(map[string]string, len(base)+len(errs))
	for k, v := range base {
		out[k] = v
	}
	out["lines"] = "処方"
	for k := range errs {
		n, field, ok, err := parseLineKey(k)
		if !ok || err != nil {
			if ok && k == store.RxRowField(lineIndexOf(k)) {
				out[k] = strconv.Itoa(lineIndexOf(k)+1) + "行目"
			}
			continue
		}
		out[k] = strconv.Itoa(n+1) + "行目 " + store.RxLineSpec.Label(field)
	}
	return out
}

// lineIndexOf reads N of "lines[N]" (-1 otherwise).
func lineIndexOf(k string) int {
	for n := 0; n <= maxLineIndex; n++ {
		if k == store.RxRowField(n) {
			return n
		}
	}
	return -1
}

// withSpares adds empty lines after the last posted one.
func withSpares(order []int) []int {
	next := 0
	if len(order) > 0 {
		next = order[len(order)-1] + 1
	}
	out := append([]int(nil), order...)
	for i := 0; i < spareLines && next+i <= maxLineIndex; i++ {
		out = append(out, next+i)
	}
	return out
}

// fillDrugNames shows the master's name beside each line's code.
func (h *Handlers) fillDrugNames(values map[string]string, order []int) {
	for _, n := range order {
		code := values[store.RxLineField(n, "drug_code")]
		if code == "" {
			delete(values, store.RxLineField(n, "drug_name"))
			continue
		}
		if d, err := h.db.CurrentDrug(code); err == nil {
			values[store.RxLineField(n, "drug_name")] = d.Name
		} else {
			delete(values, store.RxLineField(n, "drug_name"))
		}
	}
}

func checkLines(values map[string]string, order []int) []store.RxCheckLine {
	var out []store.RxCheckLine
	for _, n := range order {
		if code := values[store.RxLineField(n, "drug_code")]; code != "" {
			out = append(out, store.RxCheckLine{Line: n, DrugCode: code})
		}
	}
	return out
}

// showComposer is 処方箋の作成: GET /rx/new?patient={id}, or ?draft={id}
// to go on with a draft; &preset={id} adds a preset's lines (the way to
// apply one without JavaScript).
func (h *Handlers) showComposer(c *fiber.Ctx) error {
	a := actor(c)
	if _, err := h.db.RxRoleOf(a); err != nil {
		return err
	}
	s := composerState{values: map[string]string{}}
	patientID := c.Query("patient")
	if d := c.Query("draft"); d != "" {
		p, err := h.db.Prescription(a, d)
		if err != nil {
			return err
		}
		if p.Status != store.RxDraft {
			return web.Redirect(c, "/rx/"+p.ID)
		}
		s.draftID, patientID = p.ID, p.PatientID
		s.values, s.order = draftValues(p)
	}
	pid, err := store.NormalizePatientID(patientID)
	if err != nil || pid == "" {
		return store.NotFound()
	}
	if s.patient, err = h.db.ComposerPatient(a, pid); err != nil {
		return err
	}
	if s.draftID == "" && s.patient.Home {
		pt := s.patient.Patient
		s.values["insurer_number"], s.values["insured_symbol"] = pt.InsurerNumber, pt.InsuredSymbol
		s.values["insured_number"], s.values["insured_branch"] = pt.InsuredNumber, pt.InsuredBranch
	}
	if id := c.Query("preset"); id != "" {
		p, err := h.db.RxPreset(a, id)
		if err != nil {
			return err
		}
		next := 0
		if len(s.order) > 0 {
			next = s.order[len(s.order)-1] + 1
		}
		for i, l := range p.Lines {
			if next+i > maxLineIndex {
				break
			}
			putLine(s.values, next+i, l)
			s.order = append(s.order, next+i)
		}
	}
	return h.renderComposer(c, fiber.StatusOK, s)
}

// putLine writes a line's values under index n.
func putLine(values map[string]string, n int, l store.RxLineForm) {
	set := func(f, v string) {
		if v != "" {
			values[store.RxLineField(n, f)] = v
		}
	}
	set("drug_code", l.DrugCode)
	set("amount", l.Amount)
	set("unit", l.Unit)
	set("usage", l.Usage)
	set("days", l.Days)
	set("kind", l.Kind)
	for f, b := range map[string]bool{"no_change": l.NoChange, "patient_wish": l.PatientWish, "generic": l.Generic} {
		if b {
			values[store.RxLineField(n, f)] = "1"
		}
	}
}

// draftValues turns a draft back into the composer's values.
func draftValues(p store.Prescription) (map[string]string, []int) {
	in := p.Insurance
	v := map[string]string{
		"insurer_number": in.InsurerNumber, "insured_symbol": in.InsuredSymbol, "insured_number": in.InsuredNumber,
		"insured_branch": in.InsuredBranch, "insured_kind": string(in.InsuredKind),
		"public_payer1": in.PublicPayer1, "public_recipient1": in.PublicRecipient1,
		"public_payer2": in.PublicPayer2, "public_recipient2": in.PublicRecipient2,
		"remarks": p.Remarks, "leftover": string(p.Leftover),
	}
	if in.CopayPercent > 0 {
		v["copay"] = strconv.Itoa(in.CopayPercent)
	}
	if p.Refill > 0 {
		v["refill"] = strconv.Itoa(p.Refill)
	}
	if !p.ValidUntil.IsZero() {
		v["valid_until"] = p.ValidUntil.Format("2006-01-02")
	}
	var order []int
	n := 0
	for _, g := range p.Groups {
		for _, l := range g.Lines {
			days := ""
			if g.Kind != store.RxExternal {
				days = strconv.Itoa(g.Days)
			}
			putLine(v, n, store.RxLineForm{DrugCode: l.DrugCode, Amount: l.Amount, Unit: l.Unit, Usage: g.Usage, Days: days,
				Kind: string(g.Kind), NoChange: l.NoChange, PatientWish: l.PatientWish, Generic: l.Generic})
			order = append(order, n)
			n++
		}
	}
	return v, order
}

// lineIndexParam reads ?n= (0…maxLineIndex).
func lineIndexParam(c *fiber.Ctx) (int, error) {
	n, err := strconv.Atoi(c.Query("n"))
	if err != nil || n < 0 || n > maxLineIndex {
		return 0, store.Invalid("n", "行の指定が正しくありません")
	}
	return n, nil
}

// tail is the composer's tail for the next index (htmx, out of band).
func (h *Handlers) tail(c *fiber.Ctx, next int) (*rxviews.TailView, error) {
	presets, err := h.db.RxPresets(actor(c))
	if err != nil {
		return nil, err
	}
	pid, _ := store.NormalizePatientID(c.Query("patient"))
	return &rxviews.TailView{Next: next, PatientID: pid, DraftID: c.Query("draft"), Presets: presets}, nil
}

// showComposerLine answers one composer line for htmx: a new empty line
// (with the tail moved on), the line with a picked drug (drug_code,
// drug_name, drug_unit from the pick), or nothing (remove=1: the line
// goes).
func (h *Handlers) showComposerLine(c *fiber.Ctx) error {
	if _, err := h.db.RxRoleOf(actor(c)); err != nil {
		return err
	}
	n, err := lineIndexParam(c)
	if err != nil {
		return err
	}
	c.Set("Vary", "HX-Request")
	if c.Query("remove") == "1" {
		return c.SendString("")
	}
	values := map[string]string{}
	frag := rxviews.LinesFragment{}
	if code := c.Query("drug_code"); code != "" {
		d, err := h.db.CurrentDrug(code)
		if err != nil {
			return err
		}
		values[store.RxLineField(n, "drug_code")] = d.Code
		values[store.RxLineField(n, "drug_name")] = d.Name
		values[store.RxLineField(n, "unit")] = d.Unit()
		if d.Category == store.DrugExternal {
			values[store.RxLineField(n, "kind")] = string(store.RxExternal)
		}
		frag.Lines = []rxviews.LineView{{N: n, Form: views.NewForm(store.RxLineSpec, values), CheckOnLoad: true}}
	} else {
		frag.Lines = []rxviews.LineView{{N: n, Form: views.NewForm(store.RxLineSpec, values)}}
		if n < maxLineIndex {
			if frag.Tail, err = h.tail(c, n+1); err != nil {
				return err
			}
		}
	}
	return h.web.Partial(c, rxviews.Lines(frag))
}

// showDrugPicker is a line's drug search (GET /rx/drugs?n=&q=): the drug
// master's results in pick mode, each row filling line n.
func (h *Handlers) showDrugPicker(c *fiber.Ctx) error {
	if _, err := h.db.RxRoleOf(actor(c)); err != nil {
		return err
	}
	n, err := lineIndexParam(c)
	if err != nil {
		return err
	}
	offset, _ := strconv.Atoi(c.Query("offset"))
	page, err := h.db.SearchDrugs(store.DrugQuery{Q: c.Query("q"), Offset: max(offset, 0)})
	v := drugviews.DrugResultsView{Page: page, URL: "/rx/drugs", Params: map[string][]string{"n": {strconv.Itoa(n)}},
		Target: "line-" + strconv.Itoa(n) + "-results", Pick: rxviews.Pick(n)}
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		v.Error = store.ErrorMessage(err)
		if msg := store.ErrorFields(err)["q"]; msg != "" {
			v.Error = msg
		}
	}
	c.Set("Vary", "HX-Request")
	return h.web.Partial(c, rxviews.DrugPicker(v))
}

// checkDuplicates is the composer's live 重複投薬チェック (POST /rx/check
// with the composer's form): the warnings box.
func (h *Handlers) checkDuplicates(c *fiber.Ctx) error {
	f, err := parseComposer(c)
	if err != nil {
		return err
	}
	dups, err := h.db.DuplicateMedications(actor(c), f.Form.PatientID, checkLines(f.Values, f.Lines.Order), f.Form.DraftID)
	if err != nil {
		return err
	}
	return h.web.Partial(c, rxviews.DuplicateWarnings(dups))
}
