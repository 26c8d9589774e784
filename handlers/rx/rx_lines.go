package rx

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// The composer posts its lines as lines[N][field] (DESIGN.md). N is the
// line's index in the form; indexes may have gaps (lines removed with
// htmx). An index above maxLineIndex, or one that is not a plain number,
// refuses the whole form before anything is allocated for it, so a body
// naming lines[999999999][amount] costs nothing.

// maxLineIndex bounds N (the form never numbers beyond it: the store
// takes at most store.RxMaxLines lines, spare ones included here).
const maxLineIndex = 99

// lineFields are the posted fields of a line ("drug_name" carries the
// picked drug's name for the re-render only).
var lineFields = map[string]bool{
	"drug_code": true, "drug_name": true, "amount": true, "unit": true, "usage": true, "days": true,
	"kind": true, "no_change": true, "patient_wish": true, "generic": true,
}

// errLineIndex: lines[N] with an N the form never sends.
var errLineIndex = store.Invalid("lines", "処方の行の指定が正しくありません。画面を開き直してください")

// postedLines is the composer's lines as posted.
type postedLines struct {
	Lines  []store.RxLineForm // indexed by N (gaps are empty lines)
	Order  []int              // the indexes posted, ascending
	Values map[string]string  // posted name → value, for the re-render
}

// parseLineKey splits lines[N][field]; ok is false for another key; err
// for a malformed or absurd N.
func parseLineKey(k string) (n int, field string, ok bool, err error) {
	rest, found := strings.CutPrefix(k, "lines[")
	if !found {
		return 0, "", false, nil
	}
	end := strings.IndexByte(rest, ']')
	if end < 1 || end > 3 {
		return 0, "", true, errLineIndex
	}
	for i := 0; i < end; i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return 0, "", true, errLineIndex
		}
		n = n*10 + int(rest[i]-'0')
	}
	if n > maxLineIndex || (end > 1 && rest[0] == '0') {
		return 0, "", true, errLineIndex
	}
	f := rest[end+1:]
	if !strings.HasPrefix(f, "[") || !strings.HasSuffix(f, "]") {
		return 0, "", true, errLineIndex
	}
	return n, f[1 : len(f)-1], true, nil
}

// visitForm calls fn for every posted value (urlencoded or multipart).
func visitForm(c *fiber.Ctx, fn func(k, v string)) {
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		if mf, err := c.MultipartForm(); err == nil {
			for k, vs := range mf.Value {
				for _, v := range vs {
					fn(k, v)
				}
			}
		}
		return
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { fn(string(k), string(v)) })
}

// parseLines reads the posted lines.
func parseLines(c *fiber.Ctx) (postedLines, error) {
	var err error
	type kv struct {
		n        int
		field, v string
	}
	var seen [maxLineIndex + 1]bool
	var got []kv
	visitForm(c, func(k, v string) {
		if err != nil {
			return
		}
		n, field, ok, e := parseLineKey(k)
		if !ok {
			return
		}
		if e != nil {
			err = e
			return
		}
		if lineFields[field] {
			seen[n] = true
			got = append(got, kv{n, field, v})
		}
	})
	if err != nil {
		return postedLines{}, err
	}
	p := postedLines{Values: map[string]string{}}
	for n, s := range seen {
		if s {
			p.Order = append(p.Order, n)
		}
	}
	if len(p.Order) > 0 {
		p.Lines = make([]store.RxLineForm, p.Order[len(p.Order)-1]+1)
	}
	for _, g := range got {
		l := &p.Lines[g.n]
		name := store.RxLineField(g.n, g.field)
		if _, dup := p.Values[name]; dup {
			continue // the first value counts, as with FormValue
		}
		p.Values[name] = g.v
		switch g.field {
		case "drug_code":
			l.DrugCode = g.v
		case "amount":
			l.Amount = g.v
		case "unit":
			l.Unit = g.v
		case "usage":
			l.Usage = g.v
		case "days":
			l.Days = g.v
		case "kind":
			l.Kind = g.v
		case "no_change":
			l.NoChange = checked(g.v)
		case "patient_wish":
			l.PatientWish = checked(g.v)
		case "generic":
			l.Generic = checked(g.v)
		}
	}
	sort.Ints(p.Order)
	return p, nil
}

func checked(v string) bool { return v == "1" || v == "on" || v == "true" }

// composerForm is the whole posted composer: the fields of store.RxSpec
// and the lines.
type composerForm struct {
	Form   store.RxForm
	Lines  postedLines
	Values map[string]string
}

func parseComposer(c *fiber.Ctx) (composerForm, error) {
	lines, err := parseLines(c)
	if err != nil {
		return composerForm{}, err
	}
	v := web.Bind(c, store.RxSpec)
	f := store.RxForm{
		PatientID: v["patient_id"], DraftID: c.FormValue("draft_id"),
		InsurerNumber: v["insurer_number"], InsuredSymbol: v["insured_symbol"], InsuredNumber: v["insured_number"],
		InsuredBranch: v["insured_branch"], InsuredKind: v["insured_kind"], Copay: v["copay"],
		PublicPayer1: v["public_payer1"], PublicRecipient1: v["public_recipient1"],
		PublicPayer2: v["public_payer2"], PublicRecipient2: v["public_recipient2"],
		Refill: v["refill"], ValidUntil: v["valid_until"], Remarks: v["remarks"], Leftover: v["leftover"],
		Lines: lines.Lines,
	}
	for k, val := range lines.Values {
		v[k] = val
	}
	return composerForm{Form: f, Lines: lines, Values: v}, nil
}
