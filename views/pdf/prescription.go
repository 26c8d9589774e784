package pdf

import "time"

// Prescription is everything the 院外処方箋 (様式第二号, 2024 revision)
// prints, in the words of its boxes, and everything its JAHIS 2-D symbol
// records. Codes are kept as typed (digits only, no hyphens); dates are
// calendar days (only year, month and day count). Empty strings leave a
// box blank, as on a hand-written form.
type Prescription struct {
	// 公費: up to two 公費負担者番号 (8 digits) with their
	// 公費負担医療の受給者番号 (7 digits), the first in the upper row.
	PublicPayer     [2]string
	PublicRecipient [2]string

	InsurerNumber string // 保険者番号, 6 or 8 digits
	InsuredSymbol string // 被保険者証・被保険者手帳の記号
	InsuredNumber string // 番号
	InsuredBranch string // 枝番, 2 digits
	Dependent     bool   // 被扶養者 (false: 被保険者)
	// InsuranceKind is the JAHIS 保険種別 (record 21): 1 医保, 2 国保,
	// 3 労災, 4 自賠, 5 公害, 6 自費, 7 後期高齢者; 0: derived from
	// InsurerNumber (8 digits from 39: 後期高齢者, 6 digits: 国保, other
	// 8 digits: 医保), no record without one.
	InsuranceKind int
	// CopayPercent is the 負担割合 in per cent (30 for 3割); 0 when not
	// known (record 24 omitted).
	CopayPercent int
	// CopayClass is the JAHIS 患者一部負担区分 (record 14): 1 高齢者一般,
	// 2 高齢者7割, 3 6歳未満, 5 高齢者8割; 0 none (record omitted).
	CopayClass int

	PatientName string    // 氏名
	PatientKana string    // カナ氏名 (full-width katakana)
	BirthDate   time.Time // 生年月日, printed in 和暦
	Sex         Sex

	FacilityAddress string // 保険医療機関の所在地
	FacilityPostal  string // 郵便番号, 123-4567
	FacilityName    string // 名称
	FacilityPhone   string // 電話番号
	Prefecture      string // 都道府県番号, 2 digits
	ScoreTable      string // 点数表番号: 1 医科, 3 歯科
	FacilityCode    string // 医療機関コード, 7 digits
	DoctorName      string // 保険医氏名
	DoctorKana      string // カナ氏名, for the 2-D symbol only

	IssuedOn time.Time // 交付年月日
	// ValidUntil is the last day of 処方箋の使用期間; zero when it is the
	// standard four days including the day of issue (printed blank, as
	// the form says, and no record 52).
	ValidUntil time.Time

	RPs []RP // 処方, in order; RP numbers are their positions from 1

	// Refills is the number of uses of a リフィル処方箋 (2 or 3); 0 when
	// the prescription is not refillable.
	Refills int

	Remarks string // 備考, may hold several lines
	// Leftover is the 保険薬局が調剤時に残薬を確認した場合の対応 checked by
	// the prescriber.
	Leftover Leftover

	Reference string // 照会番号, as printed (grouped for reading aloud)

	Cancelled    bool // 取消: marked on every page
	CancelReason string
}

// Sex is the 男・女 box.
type Sex int

const (
	SexUnknown Sex = iota
	Male
	Female
)

// Leftover is the 残薬 handling the prescriber chose.
type Leftover int

const (
	LeftoverNone    Leftover = iota // not checked
	LeftoverInquire                 // 保険医療機関へ疑義照会した上で調剤
	LeftoverInform                  // 保険医療機関へ情報提供
)

// RP is one 剤 (Rp): drugs taken together under one 用法.
type RP struct {
	// Form is the JAHIS 剤形区分 (record 101): 内服, 頓服 or 外用.
	Form DosageForm
	// Usage is the 用法 as printed, e.g. 1日3回毎食後.
	Usage string
	// UsageCode is the 用法コード of record 111 when one is known;
	// empty: the 用法 is recorded by name only (コード種別 1, コードなし).
	UsageCode string
	// TimesPerDay is the 1日回数 of record 111 (0: unknown).
	TimesPerDay int
	// Days is the 調剤数量 for 内服 (日分), Times for 頓服 (回分); 外用
	// gives the total in its lines' amounts and Days/Times stay 0 (the
	// 調剤数量 is then 1).
	Days  int
	Times int

	Lines []RPLine
}

// DosageForm is the JAHIS 剤形区分 of an RP (record 101).
type DosageForm int

const (
	Internal      DosageForm = 1 // 内服
	AsNeeded      DosageForm = 2 // 頓服
	External      DosageForm = 3 // 外用
	InternalDrops DosageForm = 4 // 内服滴剤
	Injection     DosageForm = 5 // 注射
	Material      DosageForm = 6 // 医療材料
	FormUnknown   DosageForm = 9 // 不明
)

// RPLine is one drug of an RP.
type RPLine struct {
	// CodeType is the JAHIS 薬品コード種別 of Code: 2 レセプト電算処理
	// システム用コード (9 digits), 3 厚生労働省コード (薬価基準収載医薬品
	// コード, 12 characters), 4 YJ コード, 6 HOT コード; 1 コードなし
	// (name only). A 一般名処方 line is recorded with 7 (一般名コード)
	// and GenericCode instead.
	CodeType int
	Code     string
	Name     string // 薬品名称 as in the master
	// Generic prints the line as 一般名処方: 【般】 followed by
	// GenericName (成分名 + 剤形 + 規格).
	Generic     bool
	GenericName string
	// GenericCode is the 一般名処方マスタ code (e.g. 2171014M2ZZZ); may
	// be empty when the master has none.
	GenericCode string
	// Amount is the 分量 as printed (1日量 for 内服, 1回量 for 頓服, the
	// total for 外用), a decimal without trailing zeros, e.g. "1.5".
	Amount string
	Unit   string // 単位名, e.g. 錠, mg, g, mL
	// Uneven holds the 不均等 amounts per dose (record 221), e.g.
	// ["2","1","1"] for 朝2錠 昼1錠 夕1錠; empty when even.
	Uneven []string
	// NoChange is 「変更不可（医療上必要）」; PatientWish is 「患者希望」.
	// Never both on one line.
	NoChange    bool
	PatientWish bool
}
