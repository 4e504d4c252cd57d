//! The scan page: what a shopper sees after scanning a label. Server-rendered HTML, mobile first, Chinese and
//! English, no external assets (no scripts, fonts or images fetched from anywhere).

use std::fmt::Write;

use trace_core::{BatchKind, BatchState, BlockKind, Status, Summary, Time, Verdict, format_milli};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = r#"
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f3f5f2;color:#1d2b1f}
header.brand{background:#1f5d3a;color:#fff;padding:10px 16px;font-weight:600;letter-spacing:.02em}
main{max-width:720px;margin:0 auto;padding:12px}
.card{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h1{font-size:1.5rem;margin:.1em 0}h2{font-size:1.05rem;margin:0 0 .5em;color:#1f5d3a}
.sub{color:#5b6b5e;font-size:.9rem;margin:.2em 0}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;word-break:break-all}
.status{display:inline-block;border-radius:999px;padding:3px 12px;font-weight:700;margin-top:6px}
.s-active{background:#dff3e4;color:#1f5d3a}.s-sold,.s-consumed,.s-disposed{background:#e8ecef;color:#38444d}
.s-on_hold{background:#fff1cc;color:#7a4b00}.s-recalled{background:#fde0de;color:#9b1c1c}
.alert{border-radius:10px;padding:16px;margin:0 0 12px;font-weight:700;font-size:1.1rem;border:3px solid}
.alert p{margin:.3em 0;font-weight:500;font-size:.95rem}
.alert-recalled{background:#b91c1c;color:#fff;border-color:#7f1d1d}.alert-held{background:#fde68a;color:#422006;border-color:#b45309}
ul.list{list-style:none;padding:0;margin:0}ul.list li{padding:8px 0;border-top:1px solid #edf0ec}ul.list li:first-child{border-top:0}
.ok{color:#1f7a3f;font-weight:600}.bad{color:#b91c1c;font-weight:700}.wait{color:#a16207;font-weight:600}
.muted{color:#6b7a6e;font-size:.85rem}footer{text-align:center;color:#6b7a6e;font-size:.8rem;padding:16px}
details summary{cursor:pointer;color:#1f5d3a}pre{white-space:pre-wrap;word-break:break-all;font-size:.8rem;background:#f6f8f5;padding:8px;border-radius:6px}
form.find{display:flex;gap:8px}form.find input{flex:1;font-size:1rem;padding:8px;border:1px solid #b9c6bb;border-radius:6px}
form.find button{background:#1f5d3a;color:#fff;border:0;border-radius:6px;padding:8px 14px;font-size:1rem}
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>\
<header class=\"brand\">食品追溯 · Food traceability</header><main>{body}</main>\
<footer>trace · 记录经签名并写入只增账本 Records are signed and kept in an append-only, auditable ledger</footer>\
</body></html>\n",
        esc(title)
    )
}

/// Status in Chinese and English.
pub fn status_text(s: Status) -> &'static str {
    match s {
        Status::Active => "正常 Active",
        Status::OnHold => "暂停销售 On hold",
        Status::Recalled => "已召回 Recalled",
        Status::Sold => "已售出 Sold",
        Status::Consumed => "已加工 Processed further",
        Status::Disposed => "已销毁 Disposed of",
    }
}

fn date(t: Time) -> String {
    t.display_date()
}

/// A checkpoint to show under the page: signed note text, or the plain tree head when none is signed.
#[derive(Debug, Clone)]
pub struct CoveringCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Root hash, hex.
    pub root_hex: String,
    /// The signed note, when available.
    pub note: Option<String>,
}

/// Renders the scan page of a batch or input lot.
pub fn render(s: &Summary, state: &BatchState, cp: &CoveringCheckpoint) -> String {
    let mut b = String::new();
    match s.status {
        Status::Recalled => {
            let _ = write!(
                b,
                "<section class=\"alert alert-recalled\" role=\"alert\" id=\"warning\">⚠ 已召回 — 请勿食用或销售<br>RECALLED — do not eat or sell"
            );
            for w in s.warnings.iter().filter(|w| w.kind == BlockKind::Recalled) {
                let _ = write!(b, "<p>{}: {} ({})</p>", esc(&w.source_label), esc(&w.reason), date(w.time));
            }
            b.push_str("<p>请退回购买处 · Return it to where you bought it.</p></section>");
        }
        Status::OnHold => {
            let only = |k: BlockKind| !s.warnings.is_empty() && s.warnings.iter().all(|w| w.kind == k);
            let headline = if s.warnings.iter().any(|w| w.kind == BlockKind::Discard) {
                "⚠ 弃奶期/休药期内所产，不得销售，须销毁<br>DISCARD — produced during a withdrawal, must be destroyed"
            } else if only(BlockKind::ScreeningPositive) {
                "⚠ 快检阳性，暂停销售，待实验室复检<br>ON HOLD — a rapid test was positive; awaiting a laboratory test"
            } else {
                "⚠ 暂停销售，正在调查<br>ON HOLD — under investigation, do not sell"
            };
            let _ = write!(b, "<section class=\"alert alert-held\" role=\"alert\" id=\"warning\">{headline}");
            for w in &s.warnings {
                let why = match w.kind {
                    BlockKind::FailedInspection => "检测不合格 failed inspection",
                    BlockKind::Held => "监管暂停 held by regulator",
                    BlockKind::Recalled => "召回 recalled",
                    BlockKind::BannedSubstanceFound => "检出禁用物质 banned substance found",
                    BlockKind::WithdrawalBreached => "休药期内出栏 made during a withdrawal period",
                    BlockKind::ScreeningPositive => {
                        "快检阳性，待实验室复检 rapid test positive, awaiting laboratory test"
                    }
                    BlockKind::Discard => {
                        "弃奶期/休药期内所产，只能销毁 produced during a discard period, to be destroyed"
                    }
                };
                let _ = write!(b, "<p>{why}: {} — {} ({})</p>", esc(&w.source_label), esc(&w.reason), date(w.time));
            }
            b.push_str("</section>");
        }
        _ => {}
    }
    let sc = s.status.as_str();
    let _ = write!(
        b,
        "<section class=\"card\"><h1>{}</h1><p class=\"sub\">{} · 批次 Batch <span class=\"mono\">{}</span></p>",
        esc(&s.product),
        esc(&s.class),
        s.batch
    );
    if let (Some(g), Some(l)) = (&s.gtin, &s.lot) {
        let _ = write!(b, "<p class=\"sub\">GTIN {} · 批号 Lot {}</p>", esc(g), esc(l));
    } else if let Some(l) = &s.lot {
        let _ = write!(b, "<p class=\"sub\">批号 Lot {}</p>", esc(l));
    }
    let _ = write!(
        b,
        "<p class=\"sub\">{} · {} · {}</p><span class=\"status s-{sc}\" id=\"status\">{}</span></section>",
        esc(&s.made_by),
        esc(&s.place),
        date(s.made_at),
        status_text(s.status)
    );
    if let BatchKind::Input(l) = &state.kind {
        let _ = write!(
            b,
            "<section class=\"card\"><h2>投入品信息 Input lot</h2><ul class=\"list\">\
<li>类别 Kind: {}</li><li>批准文号 Approval no.: {}</li><li>生产企业 Manufacturer: {}</li>\
<li>有效成分 Active substances: {}</li><li>休药期 / 安全间隔期 Withdrawal: {} 天 days</li>{}{}</ul></section>",
            l.kind,
            esc(&l.approval_number),
            esc(&l.manufacturer),
            esc(&l.active_substances.join(", ")),
            l.periods.meat_days,
            if l.prescription_only { "<li>兽用处方药 Prescription-only vet drug</li>" } else { "" },
            l.expires.map(|e| format!("<li>有效期至 Expires: {}</li>", date(e))).unwrap_or_default(),
        );
    }
    if !s.origins.is_empty() {
        b.push_str("<section class=\"card\" id=\"origin\"><h2>产地 Origin</h2><ul class=\"list\">");
        for o in &s.origins {
            let reg = if o.registration.is_empty() { String::new() } else { format!(" · {}", esc(&o.registration)) };
            let _ = write!(
                b,
                "<li><strong>{}</strong>{reg}<br>{} — {}<br><span class=\"muted\">{} · {}</span></li>",
                esc(&o.farm),
                esc(&o.product),
                esc(&o.place),
                date(o.time),
                o.batch
            );
        }
        b.push_str("</ul></section>");
    }
    if !s.inputs.is_empty() {
        b.push_str("<section class=\"card\" id=\"inputs\"><h2>投入品与休药期 Inputs and withdrawal periods</h2><ul class=\"list\">");
        for i in &s.inputs {
            let interval = if let Some(d) = i.discard_ends {
                format!(
                    "<span class=\"muted\">弃奶期/弃蛋期至 {} · milk or egg discard period until {}</span>",
                    date(d),
                    date(d)
                )
            } else if i.withdrawal_days == 0 {
                "<span class=\"muted\">无休药期 no withdrawal period</span>".to_owned()
            } else if !i.binds {
                "<span class=\"muted\">本批产品不在其休药期内（用药前已分出或属另一持有人） · does not bind this batch (made before, or from another holder's part)</span>".to_owned()
            } else if i.withdrawal_over {
                format!(
                    "<span class=\"ok\">✓ 休药期 {} 天，{} 已结束 · {}-day withdrawal ended {}</span>",
                    i.withdrawal_days,
                    date(i.withdrawal_ends),
                    i.withdrawal_days,
                    date(i.withdrawal_ends)
                )
            } else {
                format!(
                    "<span class=\"wait\">⏳ 休药期至 {} · withdrawal period until {}</span>",
                    i.withdrawal_ends.display_local(),
                    i.withdrawal_ends.display_local()
                )
            };
            let lot_warn = match i.lot_status {
                Status::Recalled => " <span class=\"bad\">该批投入品已召回 lot recalled</span>",
                Status::OnHold => " <span class=\"bad\">该批投入品被暂停 lot on hold</span>",
                _ => "",
            };
            let _ = write!(
                b,
                "<li><strong>{}</strong> ({}){lot_warn}<br>{}{} · {} · {}{}<br>{interval}</li>",
                esc(&i.name),
                i.kind,
                date(i.applied),
                if i.late { " · 补录 <span lang=\"en\">entered later</span>" } else { "" },
                i.dose,
                esc(&i.by),
                match &i.prescribed_by {
                    Some(v) => format!(" · 处方兽医 <span lang=\"en\">prescribed by</span> {}", esc(v)),
                    None => String::new(),
                }
            );
        }
        b.push_str("</ul></section>");
    }
    if !s.inspections.is_empty() {
        b.push_str("<section class=\"card\" id=\"inspections\"><h2>检测 Inspections</h2><ul class=\"list\">");
        for i in &s.inspections {
            let verdict = match i.verdict {
                Verdict::Pass => "<span class=\"ok\">✓ 合格 Pass</span>",
                Verdict::Fail => "<span class=\"bad\">✗ 不合格 Fail</span>",
            };
            let value = match (i.value_milli, i.limit_milli) {
                (Some(v), Some(l)) => {
                    format!(" — {} {} (限量 limit {})", format_milli(v), esc(&i.unit), format_milli(l))
                }
                (Some(v), None) => format!(" — {} {}", format_milli(v), esc(&i.unit)),
                _ => String::new(),
            };
            let _ = write!(
                b,
                "<li>{verdict} {}{value}<br><span class=\"muted\">{} · {} · {} · {}</span></li>",
                esc(&i.analyte),
                esc(&i.lab),
                date(i.time),
                esc(&i.method),
                esc(&i.sample)
            );
        }
        b.push_str("</ul></section>");
    }
    if !s.certificates.is_empty() {
        b.push_str("<section class=\"card\" id=\"certificates\"><h2>证书 Certificates</h2><ul class=\"list\">");
        for c in &s.certificates {
            let _ = write!(
                b,
                "<li><strong>{}</strong> {}<br><span class=\"muted\">{} · {} – {}</span>{}</li>",
                cert_text(c.kind),
                esc(&c.number),
                esc(&c.issuer),
                date(c.valid_from),
                date(c.valid_until),
                if c.promises.is_empty() { String::new() } else { format!("<br>{}", esc(&c.promises.join("；"))) }
            );
        }
        b.push_str("</ul></section>");
    }
    if !s.custody.is_empty() {
        b.push_str(
            "<section class=\"card\" id=\"custody\"><h2>流向 Custody</h2>\
             <p class=\"muted\">按发生时间排列 · <span lang=\"en\">in the order things happened</span></p><ul class=\"list\">",
        );
        for c in &s.custody {
            let what = match c.kind {
                "BatchRegistered" => "登记 Registered",
                "Shipped" => "发货 Shipped",
                "Received" => "收货查验 Received",
                "Transformed" => "加工 Processed",
                "Produced" => "产出 Produced",
                "Sold" => "售出 Sold",
                "Disposed" => "销毁 Disposed",
                other => other,
            };
            let to = c.counterparty.as_ref().map(|t| format!(" → {}", esc(t))).unwrap_or_default();
            let q = c.quantity.map(|q| format!(" · {q}")).unwrap_or_default();
            let late = if c.late { " · 补录 <span lang=\"en\">entered later</span>" } else { "" };
            let _ = write!(
                b,
                "<li><strong>{what}</strong> {}{to}{q}<br><span class=\"muted\">{} · {}{late}</span></li>",
                esc(&c.actor),
                date(c.time),
                esc(&c.detail)
            );
        }
        b.push_str("</ul></section>");
    }
    if !s.holders.is_empty() {
        b.push_str("<section class=\"card\" id=\"holders\"><h2>当前持有 Held by</h2><ul class=\"list\">");
        for h in &s.holders {
            let _ = write!(b, "<li>{} · {}</li>", esc(&h.name), h.quantity);
        }
        b.push_str("</ul></section>");
    }
    if !s.corrections.is_empty() {
        b.push_str("<section class=\"card\" id=\"corrections\"><h2>更正 Corrections</h2><ul class=\"list\">");
        for c in &s.corrections {
            let _ = write!(
                b,
                "<li>{} — {}<br><span class=\"muted\">{} · {}</span></li>",
                esc(&c.reason),
                esc(&c.corrected),
                esc(&c.by),
                date(c.time)
            );
        }
        b.push_str("</ul></section>");
    }
    let _ = write!(
        b,
        "<section class=\"card\" id=\"proof\"><h2>账本证明 Ledger proof</h2>\
<p>本页 {} 条记录均已签名，并包含在账本检查点中（共 {} 条）。<br>The {} signed records on this page are included in the \
ledger checkpoint of size {}.</p><p class=\"mono\">root {}</p>",
        s.records.len(),
        cp.size,
        s.records.len(),
        cp.size,
        esc(&cp.root_hex)
    );
    if let Some(note) = &cp.note {
        let _ = write!(b, "<details><summary>检查点 Signed checkpoint</summary><pre>{}</pre></details>", esc(note));
    }
    b.push_str("<p class=\"muted\">用 <code>trace scan</code> 可离线验证 · Verify independently with <code>trace scan</code>.</p></section>");
    page(&format!("{} · {}", s.product, s.batch), &b)
}

fn cert_text(k: trace_core::CertKind) -> &'static str {
    use trace_core::CertKind::*;
    match k {
        OriginExit => "承诺达标合格证 Origin-exit certificate",
        Quarantine => "动物检疫合格证明 Quarantine certificate",
        PollutionFree => "无公害农产品 Pollution-free",
        Green => "绿色食品 Green food",
        Organic => "有机农产品 Organic",
        GeographicalIndication => "地理标志 Geographical indication",
        Gap => "良好农业规范 GAP",
        Compliance => "承诺达标合格证 Compliance certificate",
        QuarantineAnimalA => "动物检疫合格证明（动物A）Animal quarantine, inter-provincial",
        QuarantineAnimalB => "动物检疫合格证明（动物B）Animal quarantine, in-province",
        QuarantineProductA => "动物检疫合格证明（产品A）Product quarantine, inter-provincial",
        QuarantineProductB => "动物检疫合格证明（产品B）Product quarantine, in-province",
        TestReport => "检测报告 Test report",
        PurchaseVoucher => "合格凭证 Purchase voucher",
    }
}

/// The page for an id that does not resolve.
pub fn not_found(what: &str, input: &str, why: &str) -> String {
    let body = format!(
        "<section class=\"card\" id=\"not-found\"><h1>未找到 Not found</h1><p>没有找到 {what} <span class=\"mono\">{}</span>。<br>\
No {what} <span class=\"mono\">{}</span> is recorded in this ledger.</p><p>{}</p>\
<p>请核对标签上的编码：批次号形如 <span class=\"mono\">7K3M-Q9TA-C2XVR</span>，兽药追溯码为 24 位数字。<br>\
Check the code on the label: batch ids look like <span class=\"mono\">7K3M-Q9TA-C2XVR</span>; vet-drug codes are 24 digits.</p>\
</section>{}",
        esc(input),
        esc(input),
        esc(why),
        find_form()
    );
    page("未找到 Not found", &body)
}

fn find_form() -> &'static str {
    "<section class=\"card\"><h2>查询 Look up a batch</h2><form class=\"find\" action=\"/find\" method=\"get\">\
<input name=\"code\" placeholder=\"批次号 / 追溯码 batch id or code\" aria-label=\"batch id or code\" autocomplete=\"off\">\
<button type=\"submit\">查询 Look up</button></form></section>"
}

/// The landing page.
pub fn home(origin: &str, size: u64) -> String {
    let body = format!(
        "<section class=\"card\"><h1>食品追溯账本</h1><p>Farm-produce traceability ledger <span class=\"mono\">{}</span></p>\
<p class=\"muted\">{} 条已签名记录 · {} signed records</p></section>{}",
        esc(origin),
        size,
        size,
        find_form()
    );
    page("trace", &body)
}
