package store

import (
	"hotline/store/jptext"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// RxForm is what the composer posts (POST /rx): the prescription's fields
// and its lines (lines[N][…]), in the order the form numbers them.
type RxForm struct {
	PatientID string
	// DraftID names the draft this form issues or saves again (empty: new).
	DraftID string

	InsurerNumber    string
	InsuredSymbol    string
	InsuredNumber    string
	InsuredBranch    string
	PublicPayer1     string
	PublicRecipient1 string
	PublicPayer2     string
	PublicRecipient2 string
	InsuredKind      string
	Copay            string

	Lines      []RxLineForm
	Refill     string
	ValidUntil string // YYYY-MM-DD or 和暦; empty: 交付の日を含めて4日
	Remarks    string
	Leftover   string
}

// RxLineForm is one posted line; a line with nothing in it is a spare
// line of the form and is left out.
type RxLineForm struct {
	DrugCode    string
	Amount      string
	Unit        string
	Usage       string
	Days        string
	Kind        string
	NoChange    bool
	PatientWish bool
	Generic     bool
}

// Empty reports a spare line (nothing typed or picked).
func (l RxLineForm) Empty() bool {
	return strings.TrimSpace(l.DrugCode) == "" && strings.TrimSpace(l.Amount) == "" &&
		strings.TrimSpace(l.Usage) == "" && strings.TrimSpace(l.Days) == "" && !l.NoChange && !l.PatientWish && !l.Generic
}

// RxMaxLines bounds the lines of one prescription (the form's index N is
// refused above it before anything is allocated for it).
const RxMaxLines = 40

// RxSpec is the composer's prescription fields, in screen order.
var RxSpec = Fields{
	{Name: "patient_id", Label: "患者ID", Max: 30, Required: true},
	{Name: "insurer_number", Label: "保険者番号", Max: 20},
	{Name: "insured_symbol", Label: "被保険者証の記号", Max: 20},
	{Name: "insured_number", Label: "被保険者証の番号", Max: 20},
	{Name: "insured_branch", Label: "枝番", Max: 2},
	{Name: "insured_kind", Label: "被保険者・被扶養者"},
	{Name: "copay", Label: "負担割合"},
	{Name: "public_payer1", Label: "公費負担者番号", Max: 20},
	{Name: "public_recipient1", Label: "公費負担医療の受給者番号", Max: 20},
	{Name: "public_payer2", Label: "公費負担者番号②", Max: 20},
	{Name: "public_recipient2", Label: "公費負担医療の受給者番号②", Max: 20},
	{Name: "refill", Label: "リフィル可（回数）"},
	{Name: "valid_until", Label: "処方箋の使用期間", Max: 30},
	{Name: "remarks", Label: "備考", Max: 500, Multiline: true},
	{Name: "leftover", Label: "残薬を確認した場合の対応"},
}

// RxLineSpec is one line's fields (posted as lines[N][name]).
var RxLineSpec = Fields{
	{Name: "drug_code", Label: "医薬品", Max: 20, Required: true},
	{Name: "amount", Label: "用量", Max: 12, Required: true},
	{Name: "unit", Label: "単位", Max: 10},
	{Name: "usage", Label: "用法", Max: 60, Required: true},
	{Name: "days", Label: "日数・回数", Max: 5},
	{Name: "kind", Label: "区分"},
	{Name: "no_change", Label: "変更不可（医療上必要）"},
	{Name: "patient_wish", Label: "患者希望"},
	{Name: "generic", Label: "一般名処方"},
}

// RxUsages are the common 用法 the composer offers as a pick list.
var RxUsages = []string{
	"1日1回朝食後", "1日1回夕食後", "1日1回就寝前", "1日2回朝夕食後", "1日3回毎食後",
	"1日3回毎食前", "1日3回毎食間", "疼痛時", "発熱時（38.5℃以上）", "不眠時",
	"1日1回 患部に貼付", "1日2回 患部に塗布", "1日数回 患部に塗布",
}

// RxLineField is the posted name of a line's field.
func RxLineField(i int, name string) string { return "lines[" + strconv.Itoa(i) + "][" + name + "]" }

// RxRowField is the key a whole line's message is under (both columns
// ticked, say).
func RxRowField(i int) string { return "lines[" + strconv.Itoa(i) + "]" }

var rxAmountPattern = regexp.MustCompile(`^[0-9]{1,5}(\.[0-9]{1,3})?$`)

// normalizeRxAmount folds an amount to ASCII ("１．５" → "1.5") and drops
// needless zeros ("01.50" → "1.5").
func normalizeRxAmount(s string) (string, bool) {
	s = strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(s)))
	s = strings.ReplaceAll(s, "．", ".")
	if !rxAmountPattern.MatchString(s) {
		return s, false
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	s = strings.TrimLeft(s, "0")
	if s == "" || s[0] == '.' {
		s = "0" + s
	}
	return s, s != "0"
}

func normalizeSmallInt(s string) (int, bool) {
	s = strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(s)))
	if s == "" || len(s) > 5 || !isDigits(s) {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, true
}

// rxDrugs is what line validation needs of the drug master.
type rxDrugs interface {
	ValidateDrugCode(code string) (Drug, error)
}

// validatedRx is a valid form as the parts of a prescription.
type validatedRx struct {
	insurance  RxInsurance
	groups     []RxGroup
	refill     int
	validUntil time.Time
	remarks    string
	leftover   LeftoverHandling
}

// validateLines checks the lines and groups them into RPs: consecutive
// lines of the same 区分, 用法 and days make one RP. Messages are keyed
// by the lines' posted names; version is the master's current version.
func validateRxLines(fe FieldErrors, drugs rxDrugs, version uint64, lines []RxLineForm) []RxGroup {
	var groups []RxGroup
	n := 0
	for i, lf := range lines {
		if lf.Empty() {
			continue
		}
		n++
		if n > RxMaxLines {
			fe.Add("lines", "1枚の処方箋に書ける薬は"+strconv.Itoa(RxMaxLines)+"行までです")
			break
		}
		line, kind, usage, days, ok := validateRxLine(fe, drugs, i, lf)
		if !ok {
			continue
		}
		line.MasterVersion = version
		if k := len(groups) - 1; k >= 0 && groups[k].Kind == kind && groups[k].Usage == usage && groups[k].Days == days {
			groups[k].Lines = append(groups[k].Lines, line)
			continue
		}
		groups = append(groups, RxGroup{Kind: kind, Usage: usage, Days: days, Lines: []RxLine{line}})
	}
	if n == 0 {
		fe.Add("lines", "処方する医薬品を1行以上入力してください")
	}
	return groups
}

func validateRxLine(fe FieldErrors, drugs rxDrugs, i int, lf RxLineForm) (line RxLine, kind RxKind, usage string, days int, ok bool) {
	before := len(fe)
	field := func(name string) string { return RxLineField(i, name) }
	d, err := drugs.ValidateDrugCode(lf.DrugCode)
	if err != nil {
		fe.Add(field("drug_code"), ErrorMessage(err))
	}
	kind = RxKind(strings.TrimSpace(lf.Kind))
	switch {
	case kind == "" && d.Category == DrugExternal:
		kind = RxExternal
	case kind == "":
		kind = RxOral
	case !kind.Valid():
		fe.Add(field("kind"), "区分は「内服」「頓服」「外用」から選んでください")
	}
	amount, aok := normalizeRxAmount(lf.Amount)
	switch {
	case strings.TrimSpace(lf.Amount) == "":
		fe.Add(field("amount"), "用量を入力してください")
	case strings.HasPrefix(amount, "-") || strings.HasPrefix(amount, "−") || (rxAmountPattern.MatchString(amount) && !aok):
		fe.Add(field("amount"), "用量は0より大きい数で入力してください")
	case !aok:
		fe.Add(field("amount"), "用量は数字で入力してください（小数は3桁まで、例：1.5）")
	}
	unit := normalizeSpaces(lf.Unit)
	if unit == "" {
		unit = d.Unit()
	}
	rxLineCheck(fe, i, "unit", unit)
	usage = normalizeSpaces(lf.Usage)
	if usage == "" {
		fe.Add(field("usage"), "用法を入力してください")
	} else {
		rxLineCheck(fe, i, "usage", usage)
	}
	if kind != RxExternal {
		n, dok := normalizeSmallInt(lf.Days)
		label := "日数"
		if kind == RxAsNeeded {
			label = "回数"
		}
		s := strings.TrimSpace(lf.Days)
		switch {
		case s == "":
			fe.Add(field("days"), label+"を入力してください")
		case strings.HasPrefix(s, "-") || (dok && n == 0):
			fe.Add(field("days"), label+"は1以上で入力してください")
		case !dok:
			fe.Add(field("days"), label+"は数字で入力してください")
		case n > 365:
			fe.Add(field("days"), label+"は365以下で入力してください")
		}
		days = n
	}
	if lf.NoChange && lf.PatientWish {
		fe.Add(RxRowField(i), "「変更不可（医療上必要）」と「患者希望」は同じ行に両方は付けられません")
	}
	if lf.Generic && lf.NoChange {
		fe.Add(RxRowField(i), "一般名処方の行に「変更不可」は付けられません")
	}
	line = RxLine{DrugCode: d.Code, DrugName: d.Name, Ingredient: d.Ingredient, GenericName: d.GenericName(),
		Amount: amount, Unit: unit, NoChange: lf.NoChange, PatientWish: lf.PatientWish, Generic: lf.Generic}
	return line, kind, usage, days, len(fe) == before
}

// rxLineCheck applies RxLineSpec's limits for name to line i's value,
// with the message under the line's posted name.
func rxLineCheck(fe FieldErrors, i int, name, v string) {
	f := RxLineSpec.Field(name)
	f.Name = RxLineField(i, name)
	Fields{f}.Check(fe, f.Name, v)
}

// validate checks the whole form; today is the issue day (Japan date).
func (f *RxForm) validate(drugs rxDrugs, version uint64, today time.Time) (validatedRx, error) {
	fe := FieldErrors{}
	var v validatedRx

	ins := &v.insurance
	if n, err := jptext.NormalizeInsurerNumber(f.InsurerNumber); err != nil {
		fe.Add("insurer_number", err.Error())
	} else {
		ins.InsurerNumber = n
	}
	for _, p := range []struct {
		name string
		in   string
		out  *string
	}{{"insured_symbol", f.InsuredSymbol, &ins.InsuredSymbol}, {"insured_number", f.InsuredNumber, &ins.InsuredNumber}} {
		s := normalizeSpaces(jptext.NormalizeWidth(jptext.NormalizeDigits(p.in)))
		RxSpec.Check(fe, p.name, s)
		*p.out = s
	}
	branch := strings.TrimSpace(jptext.NormalizeWidth(f.InsuredBranch))
	if len(branch) == 1 && isDigits(branch) {
		branch = "0" + branch
	}
	if branch != "" && (len(branch) != 2 || !isDigits(branch)) {
		fe.Add("insured_branch", "枝番は2桁の数字で入力してください（例：01）")
	}
	ins.InsuredBranch = branch
	if ins.InsurerNumber == "" && fe["insurer_number"] == "" && (ins.InsuredSymbol != "" || ins.InsuredNumber != "") {
		fe.Add("insurer_number", "記号・番号を入力する場合は保険者番号も入力してください")
	}
	pub := []struct {
		payer, recipient       string
		payerIn, recipientIn   string
		payerOut, recipientOut *string
	}{
		{"public_payer1", "public_recipient1", f.PublicPayer1, f.PublicRecipient1, &ins.PublicPayer1, &ins.PublicRecipient1},
		{"public_payer2", "public_recipient2", f.PublicPayer2, f.PublicRecipient2, &ins.PublicPayer2, &ins.PublicRecipient2},
	}
	for _, p := range pub {
		payer, err := jptext.NormalizePublicPayerNumber(p.payerIn)
		fe.AddErr(p.payer, err)
		rec, err := jptext.NormalizePublicRecipientNumber(p.recipientIn)
		fe.AddErr(p.recipient, err)
		if rec != "" && payer == "" && fe[p.payer] == "" {
			fe.Add(p.payer, "受給者番号を入力する場合は公費負担者番号も入力してください")
		}
		*p.payerOut, *p.recipientOut = payer, rec
	}
	if ins.PublicPayer2 != "" && ins.PublicPayer1 == "" && fe["public_payer1"] == "" {
		fe.Add("public_payer1", "公費が1つのときは1段目に入力してください")
	}
	switch k := InsuredKind(strings.TrimSpace(f.InsuredKind)); k {
	case "", InsuredSelf, InsuredDependent:
		ins.InsuredKind = k
	default:
		fe.Add("insured_kind", "「被保険者」か「被扶養者」を選んでください")
	}
	switch c := strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(f.Copay))); c {
	case "":
	case "1", "10":
		ins.CopayPercent = 10
	case "2", "20":
		ins.CopayPercent = 20
	case "3", "30":
		ins.CopayPercent = 30
	default:
		fe.Add("copay", "負担割合は1割・2割・3割から選んでください")
	}

	v.groups = validateRxLines(fe, drugs, version, f.Lines)

	switch r := strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(f.Refill))); r {
	case "":
	case "2", "3":
		v.refill = int(r[0] - '0')
	default:
		fe.Add("refill", "リフィルの回数は2回または3回です（リフィルでない処方箋は空欄）")
	}
	if v.refill > 0 {
		for _, g := range v.groups {
			for _, l := range g.Lines {
				if d, err := drugs.ValidateDrugCode(l.DrugCode); err == nil && (d.IsNarcotic() || strings.Contains(d.Narcotic, "向")) {
					fe.Add("refill", l.DrugName+"（麻薬・向精神薬）はリフィル処方箋にできません")
				}
			}
		}
	}

	v.validUntil = today.AddDate(0, 0, DefaultRxValidDays-1)
	if s := strings.TrimSpace(f.ValidUntil); s != "" {
		t, err := jptext.ParseDate(s)
		switch {
		case err != nil:
			fe.Add("valid_until", err.Error())
		case t.Before(today):
			fe.Add("valid_until", "使用期間は交付日以降の日付にしてください")
		case t.After(today.AddDate(0, 0, 90)):
			fe.Add("valid_until", "使用期間は交付日から90日以内にしてください")
		default:
			v.validUntil = t
		}
	}
	v.remarks = normalizeNewlines(strings.TrimSpace(f.Remarks))
	RxSpec.Check(fe, "remarks", v.remarks)
	switch h := LeftoverHandling(strings.TrimSpace(f.Leftover)); h {
	case "", LeftoverInquire, LeftoverInform:
		v.leftover = h
	default:
		fe.Add("leftover", "残薬の対応は「疑義照会した上で調剤」か「情報提供」を選んでください")
	}
	return v, fe.Err()
}
