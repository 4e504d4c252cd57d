//! The read model, driven from `docs/api.md`'s "Route by route" table: every `GET` route there is asked as nobody,
//! as an actor that is no party to the batch, as its party, as a regulator and as the authority, and answers as
//! the table says.

use crate::common::*;
use axum::http::StatusCode;
use trace_core::*;

/// The table's rows: (method, path with placeholders, who).
fn table() -> Vec<(String, String, String)> {
    let doc = include_str!("../../docs/api.md");
    let section = doc.split("### Route by route").nth(1).expect("docs/api.md has a Route by route table");
    let mut rows = Vec::new();
    for line in section.lines().skip_while(|l| !l.starts_with("| route")).skip(2) {
        if !line.starts_with("| `") {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let route = cells[0].trim_matches('`');
        let (method, path) = route.split_once(' ').expect("METHOD PATH");
        let who = cells[1].split_whitespace().next().unwrap_or_default();
        rows.push((method.to_owned(), path.to_owned(), who.to_owned()));
    }
    rows
}

#[tokio::test]
async fn every_route_answers_whom_this_table_says() {
    let w = World::new();
    let stranger_coop = key(9);
    w.admit(&stranger_coop, "Shiqiao vegetable co-op", "shiqiao-coop", Role::Coop);
    let supplier = key(12);
    w.admit(&supplier, "Vet supplies", "vet-supplies", Role::Supplier);
    let (r, batch) = w.register_pigs(3);
    let record = r.id();
    let Event::BatchRegistered(reg) = &r.body().event else { unreachable!() };
    let (gtin, lot) = (reg.gtin.clone().unwrap(), reg.lot.clone().unwrap());
    w.node.ledger.append(r).unwrap();
    let code = "202611010123400000000777";
    w.register_lot(&supplier, 2, InputLotRegistered { vet_drug_codes: vec![code.parse().unwrap()], ..amoxicillin() });
    // A farmer admitted with a contact, kept off the log.
    let salt = [5u8; 16];
    let farmer = w.record(
        &w.authority,
        1,
        vec![],
        Event::ActorAdmitted(ActorAdmitted {
            actor: key(13).public(),
            name: "王五家庭农场".into(),
            handle: "wangwu-farm".parse().unwrap(),
            roles: vec![Role::Coop],
            registration: String::new(),
            location: String::new(),
            contact: Some(Personal::commit("contact", &salt, "13800000000")),
            departments: vec![],
            licences: vec![],
        }),
    );
    let contact_record = farmer.id();
    let commitment = Personal::commit("contact", &salt, "13800000000");
    w.node.ledger.append(farmer).unwrap();
    let vault = w.node.vault.as_ref().unwrap();
    vault.deposit(&contact_record, "contact", &commitment, &salt, "13800000000", Time::now()).unwrap();
    w.node.refresh_checkpoint();

    let stranger = key(200); // never admitted
    let fill = |path: &str| {
        let personal = path.contains("/v1/personal/{record}");
        path.replace("{record}", &if personal { contact_record } else { record }.to_string())
            .replace("{id}", &batch.to_string())
            .replace("{gtin}", gtin.as_str())
            .replace("{lot}", lot.as_str())
            .replace("{code}", code)
    };
    async fn ask(w: &World, k: Option<&SecretKey>, path: String) -> StatusCode {
        send(w.app(), request(k, "GET", &path, "", vec![])).await.0
    }
    let rows = table();
    assert!(rows.len() >= 40, "the table has {} rows", rows.len());
    let mut asked = 0;
    for (method, path, who) in &rows {
        if method != "GET" {
            // Writes are the submission tests' (node::api); the table still says who may make them.
            assert!(["actor", "regulator"].contains(&who.as_str()), "{method} {path}: {who}");
            continue;
        }
        let path = fill(path);
        let none = ask(&w, None, path.clone()).await;
        let outsider = ask(&w, Some(&stranger_coop), path.clone()).await;
        let party = ask(&w, Some(&w.coop), path.clone()).await;
        let regulator = ask(&w, Some(&w.regulator), path.clone()).await;
        let authority = ask(&w, Some(&w.authority), path.clone()).await;
        let got = [none, outsider, party, regulator, authority].map(|s| s.as_u16());
        let (ok, unauth, forbidden) = (|s: u16| s < 400 || s == 404, 401, 403);
        let fine = match who.as_str() {
            // Nobody needs a signature, and a signature changes nothing.
            "anyone" => ok(got[0]) && got[1..].iter().all(|s| *s == got[0]),
            "actor" => {
                got[0] == unauth
                    && ask(&w, Some(&stranger), path.clone()).await.as_u16() == forbidden
                    && got[1..].iter().all(|s| *s == 200)
            }
            "party" => got == [unauth, forbidden, 200, 200, 200],
            "regulator" => got[0] == unauth && got[1] == forbidden && got[2] == forbidden && got[3] == 200,
            "authority" => got == [unauth, forbidden, forbidden, forbidden, 200],
            other => panic!("{path}: unknown 'who' {other} in docs/api.md"),
        };
        assert!(fine, "GET {path} ({who}): nobody, outsider, party, regulator, authority answered {got:?}");
        asked += 1;
    }
    assert!(asked >= 35, "asked {asked} routes");
    // The regulator's read of the contact is in the access log the authority reads.
    let log = vault.access_log().unwrap();
    assert!(log.iter().any(|e| e.record == contact_record && e.reason == "check" && e.reader == w.regulator.public()));
    // Refused reads are not values read; the two that were (a regulator's, and the authority's, which holds the
    // regulator role too) are both logged.
    let readers: Vec<PublicKey> = log.iter().map(|e| e.reader).collect();
    assert_eq!(readers, vec![w.regulator.public(), w.authority.public()], "{log:?}");
}
