//! The command line: global flags and one subcommand per job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use trace_core::{
    BatchId, CertKind, Commissioning, Gtin, Handle, InputKind, InspectionKind, Lot, Process, ProductClass, Production,
    PublicKey, Quantity, RecallLevel, RecordId, Role, Verdict, VerifierKey, VetDrugCode,
};

/// `trace`: record and audit farm produce from farm input to market stall.
#[derive(Debug, Parser)]
#[command(name = "trace", version, about, long_about = None, after_help = "\
Talk to a node with --node URL (or TRACE_NODE), or to a local ledger with --data DIR (or TRACE_DATA).
Sign with --key FILE (or TRACE_KEY); with --data and no key, the ledger's authority key is used.
Exit codes: 0 ok, 1 error, 2 usage, 3 refused by a ledger rule, 4 verification failed, 5 scanned batch on hold or recalled.")]
pub struct Cli {
    /// Global flags.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags that may stand anywhere on the line.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The node to talk to, e.g. http://127.0.0.1:8080.
    #[arg(long, global = true, env = "TRACE_NODE", value_name = "URL")]
    pub node: Option<String>,
    /// A local ledger's data directory.
    #[arg(long, global = true, env = "TRACE_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Secret key file to sign with.
    #[arg(long, global = true, env = "TRACE_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Print JSON for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    /// Claimed time of the event: YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC+08:00), RFC 3339, or unix ms. Default: now.
    #[arg(long, global = true, value_name = "TIME")]
    pub time: Option<String>,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make or inspect signing keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Admit an actor with roles (authority, regulator).
    #[command(
        after_help = "Example:\n  trace admit --actor 3b6a…e1 --name 'Hetao pig co-op' --handle hetao-coop --role coop --registration 93210503MA0X --location 溪湖区"
    )]
    Admit {
        /// The actor's public key (hex).
        #[arg(long)]
        actor: PublicKey,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Short unique name, e.g. xihu-coop (a-z, 0-9, '-').
        #[arg(long)]
        handle: Handle,
        /// Roles (repeat): authority, regulator, coop, vet, supplier, processor, transporter, market, lab, certifier, intake.
        #[arg(long = "role", required = true)]
        roles: Vec<Role>,
        /// Registration number (unified social credit code, licence).
        #[arg(long, default_value = "")]
        registration: String,
        /// Location.
        #[arg(long, default_value = "")]
        location: String,
        /// A contact person's name or phone: personal data, committed in the record and kept off the log.
        #[arg(long)]
        contact: Option<String>,
    },
    /// Revoke an actor's key (authority, regulator).
    #[command(after_help = "Example:\n  trace revoke --actor 3b6a…e1 --reason 'licence withdrawn' --key regulator.key")]
    Revoke {
        /// The actor's public key.
        #[arg(long)]
        actor: PublicKey,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Hand your identity and roles to a new key; the old key stops signing.
    #[command(
        after_help = "Example:\n  trace key new --out coop-2027.key\n  trace rotate-key --new-key $(trace key show coop-2027.key) --key coop.key"
    )]
    RotateKey {
        /// The new key's public key (from `trace key new`).
        #[arg(long)]
        new_key: PublicKey,
    },
    /// Register a produce batch: a herd, a planting, a harvest (co-op, processor); a processor's milk collection.
    #[command(
        after_help = "Example:\n  trace register --product '生猪 Live pigs' --class livestock --commissioning herd --quantity '40 head' --place 'Hetao farm, shed 3'"
    )]
    Register {
        /// Product description.
        #[arg(long)]
        product: String,
        /// Product class: livestock, poultry, aquatic, dairy, egg, grain, vegetable, fruit, tea, herb, processed, meat.
        #[arg(long)]
        class: ProductClass,
        /// How it came into being: herd, planting, harvest, milk-collection, catch, laying, other.
        #[arg(long, default_value = "other")]
        commissioning: Commissioning,
        /// Quantity, e.g. "40 head" or "1200.5 kg".
        #[arg(long)]
        quantity: Quantity,
        /// GTIN (8 to 14 digits with check digit).
        #[arg(long)]
        gtin: Option<Gtin>,
        /// Lot number (GS1 AI 10).
        #[arg(long)]
        lot: Option<Lot>,
        /// Farm, field or pond.
        #[arg(long, default_value = "")]
        place: String,
    },
    /// Register a vet-drug, feed or pesticide lot (supplier).
    #[command(
        after_help = "Example:\n  trace register-input --kind vet-drug --name 'Amoxicillin soluble powder' --approval '兽药字(2021)060011234' \\\n    --manufacturer 'Liaoning Vet Pharma' --lot A2311 --substance amoxicillin --withdrawal-days 28 --prescription-only \\\n    --quantity '100 box' --code 202611010123400000000001"
    )]
    RegisterInput {
        /// vet-drug, feed, feed-additive, pesticide, fertilizer.
        #[arg(long)]
        kind: InputKind,
        /// Product name.
        #[arg(long)]
        name: String,
        /// Approval number (兽药批准文号, 农药登记证号).
        #[arg(long)]
        approval: String,
        /// Manufacturer.
        #[arg(long, default_value = "")]
        manufacturer: String,
        /// Production lot.
        #[arg(long)]
        lot: Lot,
        /// Active substance (repeat).
        #[arg(long = "substance")]
        substances: Vec<String>,
        /// Withdrawal period or pre-harvest interval in days.
        #[arg(long, default_value_t = 0)]
        withdrawal_days: u32,
        /// Prescription-only vet drug.
        #[arg(long)]
        prescription_only: bool,
        /// Milk discard period (弃奶期) in hours.
        #[arg(long)]
        milk_hours: Option<u32>,
        /// Egg withdrawal period in days.
        #[arg(long)]
        egg_days: Option<u32>,
        /// Quantity in the lot.
        #[arg(long)]
        quantity: Quantity,
        /// 24-digit vet-drug traceability code of a package (repeat).
        #[arg(long = "code")]
        codes: Vec<VetDrugCode>,
        /// Expiry date.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Record an input given to a batch: feed, a vet drug, a pesticide spray (co-op, vet).
    #[command(
        after_help = "Example:\n  trace apply 7K3M-Q9TA-C2XVR --input Q2W4-ZZ8N-1KD3M --dose '2 box' --code 202611010123400000000001\n\nThe withdrawal period or pre-harvest interval runs from --time, or from now less 15 minutes if that is later: a\ntreatment entered late is kept as claimed, marked late, and counts from its entry. A date without a time\n(--time 2026-11-05) means the end of that day. It binds the holding treated: the author's own, the one named\nwith --holding, or, for a vet, the only holder."
    )]
    Apply {
        /// The batch treated.
        batch: BatchId,
        /// The input lot used.
        #[arg(long)]
        input: BatchId,
        /// Dose or amount.
        #[arg(long)]
        dose: Quantity,
        /// The vet's Prescribed record, for a prescription-only drug given by a non-vet (accepted from issue 17;
        /// until then a vet gives prescription-only drugs).
        #[arg(long)]
        prescription: Option<RecordId>,
        /// The package's 24-digit code, as scanned.
        #[arg(long)]
        code: Option<VetDrugCode>,
        /// Note: reason, route, area sprayed.
        #[arg(long, default_value = "")]
        note: String,
        /// The holder whose animals or field were treated (public key), when a vet treats a batch that several
        /// hold.
        #[arg(long)]
        holding: Option<PublicKey>,
    },
    /// Engage a vet to treat and prescribe for batches you hold (co-op, processor).
    #[command(
        after_help = "Example:\n  trace engage 7K3M-Q9TA-C2XVR --vet 5c1e…07 --until 2027-06-30 --key coop.key\n\nA vet records treatments and prescriptions only on batches whose holder engaged it, while the engagement lasts."
    )]
    Engage {
        /// Batches (repeat).
        #[arg(required = true)]
        batches: Vec<BatchId>,
        /// The vet's public key.
        #[arg(long)]
        vet: PublicKey,
        /// Until when (a date or time).
        #[arg(long)]
        until: String,
    },
    /// Write a prescription (vet): the record a prescription-only drug's application cites.
    #[command(
        after_help = "Example:\n  trace prescribe 7K3M-Q9TA-C2XVR --drug '氟苯尼考注射液 Florfenicol injection' --approval '兽药字(2023)150012345' --dose '20 ml' --until 2026-12-20 --note 'respiratory infection, i.m.' --key vet.key\n  trace apply 7K3M-Q9TA-C2XVR --input Q2W4-ZZ8N-1KD3M --dose '20 ml' --prescription <record id printed above> --key vet.key"
    )]
    Prescribe {
        /// Batches the prescription is for (repeat).
        #[arg(required = true)]
        batches: Vec<BatchId>,
        /// The drug's name.
        #[arg(long)]
        drug: String,
        /// Its approval number (兽药批准文号), as on the lot.
        #[arg(long)]
        approval: String,
        /// Dose.
        #[arg(long)]
        dose: Quantity,
        /// Valid until (a date or time).
        #[arg(long)]
        until: String,
        /// Diagnosis, route, course.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record an inspection: a lab's or regulator's sampling, or a co-op's, processor's or market's own screening.
    #[command(
        after_help = "Example:\n  trace inspect 7K3M-Q9TA-C2XVR --sample S-0012 --analyte clenbuterol --value 1.2 --limit 0 --unit µg/kg --method 'GB/T 22286' --verdict fail\n  trace inspect 7K3M-Q9TA-C2XVR --sample S-0012-R --analyte clenbuterol --value nd --unit µg/kg --method 'GB/T 22286' --verdict pass --retest-of 4f1c…9a\n  trace inspect 4P34-HB8T-6ETF6 --kind rapid --sample KJ-0412 --analyte 克伦特罗 --method '胶体金试纸' --verdict fail --key market.key\n\n--value nd (or 未检出) records \"not detected\", which never fails. A banned substance fails at any value.\nA banned substance found is not lifted by `trace release`: a re-test (复检, by another lab, not a rapid method,\napplied for within 5 working days of the result or 4 hours of a rapid test) that passes lifts it, or the goods are\ndisposed of and a regulator countersigns the disposal (`trace countersign`).\nA co-op, processor or market screens goods it holds with --kind rapid (快检) or self (自检); a positive holds\nthem until a laboratory's test (--retest-of the screening) passes, or they are disposed of."
    )]
    Inspect {
        /// Batch sampled.
        batch: BatchId,
        /// Sample number.
        #[arg(long)]
        sample: String,
        /// What was measured.
        #[arg(long)]
        analyte: String,
        /// Measured value (up to three decimals), or nd (未检出, not detected); none for a qualitative result.
        #[arg(long)]
        value: Option<String>,
        /// Limit (up to three decimals).
        #[arg(long)]
        limit: Option<String>,
        /// Unit of value and limit.
        #[arg(long, default_value = "")]
        unit: String,
        /// Method or standard.
        #[arg(long, default_value = "")]
        method: String,
        /// pass or fail.
        #[arg(long)]
        verdict: Verdict,
        /// supervisory (监督抽检), monitoring, rapid (快检), self or entrusted.
        #[arg(long, default_value = "supervisory")]
        kind: InspectionKind,
        /// The failed inspection record this re-tests (复检).
        #[arg(long)]
        retest_of: Option<RecordId>,
    },
    /// Record a certificate: origin-exit (合格证), quarantine, 三品一标 (co-op, vet, processor, regulator).
    #[command(
        after_help = "Example:\n  trace certify 7K3M-Q9TA-C2XVR --kind origin-exit --number HG-2026-0001 --valid-until 2026-12-31 \\\n    --promise '不使用禁用药物 no banned substances' --key coop.key"
    )]
    Certify {
        /// Batch covered.
        batch: BatchId,
        /// origin-exit, quarantine, pollution-free, green, organic, geographical-indication, gap.
        #[arg(long)]
        kind: CertKind,
        /// Certificate number.
        #[arg(long)]
        number: String,
        /// Valid from (default: the event time).
        #[arg(long)]
        valid_from: Option<String>,
        /// Valid until.
        #[arg(long)]
        valid_until: String,
        /// A promise made (repeat).
        #[arg(long = "promise")]
        promises: Vec<String>,
    },
    /// Ship part or all of a batch to another actor (holder).
    #[command(
        after_help = "Example:\n  trace ship 7K3M-Q9TA-C2XVR --quantity '20 head' --to 9c41…07 --from-place 'Hetao farm' \\\n    --to-place 'Xihu slaughterhouse' --document HG-2026-0001 --key coop.key"
    )]
    Ship {
        /// Batch.
        batch: BatchId,
        /// How much.
        #[arg(long)]
        quantity: Quantity,
        /// The receiver's public key.
        #[arg(long)]
        to: PublicKey,
        /// Ship-from place.
        #[arg(long, default_value = "")]
        from_place: String,
        /// Ship-to place.
        #[arg(long, default_value = "")]
        to_place: String,
        /// Reference document: waybill, certificate number.
        #[arg(long, default_value = "")]
        document: String,
        /// The carrier's public key.
        #[arg(long)]
        carrier: Option<PublicKey>,
    },
    /// Receive a shipment after purchase inspection (the receiver).
    #[command(
        after_help = "Example:\n  trace receive 7K3M-Q9TA-C2XVR --shipment 5be0…c2 --checked 3f5a…e1 --checked quarantine-animal-b:DJ-0001:溪湖区动物卫生监督所 --key processor.key\n  trace receive 7K3M-Q9TA-C2XVR --shipment 5be0…c2 --refuse --note 'no quarantine certificate'"
    )]
    Receive {
        /// Batch.
        batch: BatchId,
        /// The Shipped record's id.
        #[arg(long)]
        shipment: RecordId,
        /// Refuse the goods at inspection: they go back to the shipper.
        #[arg(long)]
        refuse: bool,
        /// A certificate checked (repeat): a certificate record id on this ledger, or KIND:NUMBER:ISSUER for one
        /// from elsewhere, e.g. quarantine-product-b:DJ-0001:溪湖区动物卫生监督所.
        #[arg(long = "checked")]
        checked: Vec<String>,
        /// Inspection notes.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Transform input batches into new output batches: slaughter, milling, packing, harvest (processor, co-op).
    #[command(
        after_help = "Example:\n  trace transform --process slaughter --input 7K3M-Q9TA-C2XVR=20head \\\n    --output 'product=Pork half carcass;class=meat;quantity=1600 kg;lot=P1' --place 'Xihu slaughterhouse'"
    )]
    Transform {
        /// slaughter, harvest, milking, milling, brewing, dairy-processing, packing, other.
        #[arg(long)]
        process: Process,
        /// BATCH=QUANTITY consumed (repeat).
        #[arg(long = "input", required = true)]
        inputs: Vec<String>,
        /// `product=…;class=…;quantity=…` plus optional `;gtin=…` and `;lot=…`, produced (repeat).
        #[arg(long = "output", required = true)]
        outputs: Vec<String>,
        /// Where.
        #[arg(long, default_value = "")]
        place: String,
    },
    /// Sell part or all of a batch (market, co-op, processor).
    #[command(
        after_help = "Example:\n  trace sell 4P34-HB8T-6ETF6 --quantity '2.5 kg' --key market.key\n  trace sell 4P34-HB8T-6ETF6 --quantity '20 kg' --buyer '溪湖区第二中学食堂' --buyer-code 12210503MB1234567C --key market.key"
    )]
    Sell {
        /// Batch.
        batch: BatchId,
        /// How much.
        #[arg(long)]
        quantity: Quantity,
        /// A buyer outside the ledger, an organisation (a canteen); "retail" for shoppers.
        #[arg(long, default_value = "retail")]
        buyer: String,
        /// The buyer's 统一社会信用代码 (18 characters), required with a named buyer: a person's name is not
        /// written to the log.
        #[arg(long)]
        buyer_code: Option<String>,
        /// A buyer who is a person (实名购买): their name and ID or phone, committed in the record and kept off
        /// the log.
        #[arg(long, conflicts_with_all = ["buyer", "buyer_code"])]
        buyer_person: Option<String>,
    },
    /// Read a personal value kept off the log, with a reason that the access log keeps (regulator); or the
    /// access log itself (authority).
    #[command(
        after_help = "Example:\n  trace personal 3fa2…91 --field contact --reason '案件 XH-2026-17 核实联系人' --key regulator.key\n  trace personal --access-log --key authority.key"
    )]
    Personal {
        /// The record whose value to read.
        #[arg(required_unless_present = "access_log")]
        record: Option<RecordId>,
        /// The field: contact or person.
        #[arg(long, default_value = "contact")]
        field: String,
        /// Why it is read: kept in the access log with who read it and when.
        #[arg(long, required_unless_present = "access_log")]
        reason: Option<String>,
        /// Print the access log instead (authority).
        #[arg(long)]
        access_log: bool,
    },
    /// Hold a batch and all its descendants (regulator).
    #[command(
        after_help = "Example:\n  trace hold V703-R4J1-4X498 --reason 'clenbuterol suspected, sample XH-117' --key regulator.key"
    )]
    Hold {
        /// Batch.
        batch: BatchId,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Lift a hold (regulator).
    #[command(
        after_help = "Example:\n  trace release V703-R4J1-4X498 --lifts 9c1d…07 --reason 'retest negative' --key regulator.key"
    )]
    Release {
        /// Batch.
        batch: BatchId,
        /// The hold (or failed inspection) record this release lifts.
        #[arg(long)]
        lifts: RecordId,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Recall a batch or input lot and all its descendants (regulator, or the registrant).
    #[command(
        after_help = "Example:\n  trace recall V703-R4J1-4X498 --level 1 --reason 'clenbuterol 1250 µg/kg' --key regulator.key\n  trace recall-impact V703-R4J1-4X498 --key regulator.key"
    )]
    Recall {
        /// Batch or lot.
        batch: BatchId,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Recall level: 1 (24 hours), 2 (48 hours), 3 (72 hours).
        #[arg(long)]
        level: RecallLevel,
        /// By when holders must act.
        #[arg(long)]
        deadline: Option<String>,
    },
    /// Dispose of part or all of a batch (holder).
    #[command(
        after_help = "Example:\n  trace dispose JB9J-AVYK-XDWCS --quantity '180 kg' --method 'incineration under supervision' --key market.key"
    )]
    Dispose {
        /// Batch.
        batch: BatchId,
        /// How much.
        #[arg(long)]
        quantity: Quantity,
        /// How.
        #[arg(long)]
        method: String,
    },
    /// Correct an earlier record (its author, or a regulator); the record itself stays.
    #[command(
        after_help = "Example:\n  trace correct 3fa2…91 --reason 'wrong sample number' --corrected 'sample XH-FEED-118' --key lab.key"
    )]
    Correct {
        /// The record corrected.
        record: RecordId,
        /// Why it was wrong.
        #[arg(long)]
        reason: String,
        /// What is true instead.
        #[arg(long)]
        corrected: String,
    },
    /// Countersign a record (regulator): the disposal (无害化处理) of goods in which a banned substance was found, or
    /// another regulator's removal from the substance registry (`trace ban --unban`).
    #[command(
        after_help = "Example:\n  trace countersign 4f1c…9a --note 'rendering witnessed at the plant' --key regulator.key"
    )]
    Countersign {
        /// The record countersigned (its id).
        record: RecordId,
        /// What the regulator saw.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Add or remove banned substances (regulator).
    #[command(
        after_help = "Example:\n  trace ban 'salbutamol' 'cimaterol' --reason '农业农村部公告第250号' --key regulator.key"
    )]
    Ban {
        /// Substances to add.
        substances: Vec<String>,
        /// Substances to remove (repeat).
        #[arg(long = "unban")]
        remove: Vec<String>,
        /// Legal basis or reason.
        #[arg(long)]
        reason: String,
    },
    /// One batch: state, history, inputs, inspections.
    #[command(
        after_help = "Example:\n  trace show 7K3M-Q9TA-C2XVR --node http://127.0.0.1:8080 --key market.key\n  trace show 7k3mq9tac2xvr --data ./ledger --json"
    )]
    Show {
        /// Batch or lot.
        batch: BatchId,
    },
    /// Every batch: id, product, status, holder.
    #[command(
        after_help = "Example:\n  trace batches --data ./ledger\n  trace batches --node http://127.0.0.1:8080 --key regulator.key --json"
    )]
    Batches,
    /// Every actor.
    #[command(after_help = "Example:\n  trace actors --data ./ledger")]
    Actors,
    /// Trace back: every ancestor batch and input lot, to the farm.
    #[command(after_help = "Example:\n  trace back 4P34-HB8T-6ETF6 --data ./ledger")]
    Back {
        /// Batch.
        batch: BatchId,
    },
    /// Trace forward: every descendant and who holds it, to the market stall.
    #[command(
        after_help = "Example:\n  trace forward V703-R4J1-4X498 --node http://127.0.0.1:8080 --key regulator.key"
    )]
    Forward {
        /// Batch or lot.
        batch: BatchId,
    },
    /// Records whose claimed time is more than a day before the node accepted them (regulator): back-dated
    /// or late paperwork worth a look.
    #[command(after_help = "Example:\n  trace late-entries --node http://127.0.0.1:8080 --key regulator.key")]
    LateEntries {
        /// First entry index to look from.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Record milk or eggs from a herd or flock you hold (co-op): the herd keeps its number.
    #[command(
        after_help = "Example:\n  trace produce 7K3M-Q9TA-C2XVR --process milking --quantity '480 l' --lot M20261204 --key coop.key\n\nMilk produced during a treatment's milk discard period (弃奶期; the whole withdrawal when the label gives none),\nor eggs during its egg period, is recorded and held: it can only be disposed of (`trace dispose`)."
    )]
    Produce {
        /// The herd or flock.
        source: BatchId,
        /// milking (livestock to dairy) or laying (poultry to eggs).
        #[arg(long)]
        process: Production,
        /// Product description; "生鲜乳 Raw milk" or "鲜鸡蛋 Eggs" when not given.
        #[arg(long)]
        product: Option<String>,
        /// Quantity, e.g. "480 l" or "120 kg".
        #[arg(long)]
        quantity: Quantity,
        /// GTIN (8 to 14 digits with check digit).
        #[arg(long)]
        gtin: Option<Gtin>,
        /// Lot number (GS1 AI 10).
        #[arg(long)]
        lot: Option<Lot>,
    },
    /// Batches at risk: every other batch fed from the lots a positive result's batch was fed (regulator).
    #[command(
        after_help = "Example:\n  trace at-risk --node http://127.0.0.1:8080 --key regulator.key\n  trace at-risk V703-R4J1-4X498 --data ./ledger --json\n\nWithout a batch: the list for every batch with a failed inspection or positive screening. Nothing on it is\nblocked; it says where to sample next."
    )]
    AtRisk {
        /// One batch (positive or not); every positive when omitted.
        batch: Option<BatchId>,
    },
    /// Every batch an input lot or batch reached, and who holds it now (regulator).
    #[command(
        after_help = "Example:\n  trace recall-impact V703-R4J1-4X498 --node http://127.0.0.1:8080 --key regulator.key --json"
    )]
    RecallImpact {
        /// Lot or batch.
        batch: BatchId,
    },
    /// Export the audit bundle (every log entry under a signed checkpoint, docs/formats.md, "Audit bundle"), a lot's FSMA 204
    /// spreadsheet, or its EPCIS 2.0 document.
    #[command(after_help = "\
With --data the ledger is local and trace acts as its operator: it signs a checkpoint of the whole log with the
data directory's log key. With --node it downloads the node's bundle, which needs a regulator's --key.

Examples:
  trace export --bundle audit.jsonl --data ./ledger
  trace export --bundle audit.jsonl --node http://127.0.0.1:8080 --key regulator.key
  trace export --csv feed-lot.csv --lot V703-R4J1-4X498 --from 2026-10-01 --to 2026-10-31 --data ./ledger
  trace export --epcis herd.jsonld --lot 7K3M-Q9TA-C2XVR --node http://127.0.0.1:8080 --key regulator.key
  trace verify audit.jsonl --log-key 'xihu.example/trace+1a2b3c4d+AUVr…'")]
    Export {
        /// Write the audit bundle to FILE (`-` for standard output).
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
        /// Write the FSMA 204 sortable spreadsheet (CSV) of --lot and its lineage to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE", requires = "lot")]
        csv: Option<PathBuf>,
        /// Write the EPCIS 2.0 JSON-LD document of --lot's events and its ancestors' to FILE (`-` for stdout).
        #[arg(long, value_name = "FILE", requires = "lot")]
        epcis: Option<PathBuf>,
        /// The lot or batch for --csv and --epcis.
        #[arg(long, value_name = "BATCH")]
        lot: Option<BatchId>,
        /// --csv: earliest event time (YYYY-MM-DD, RFC 3339 or unix ms).
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// --csv: latest event time.
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
    },
    /// Verify an audit bundle offline: signatures, parents, the hash chain, the Merkle root, the checkpoint.
    #[command(after_help = "\
Exit 0 only when every entry and the checkpoint check; otherwise the first failure is printed, naming the entry,
and the exit code is 4. Without --log-key the bundle is checked under the key it names, which proves that it
holds together but not whose log it is.

Examples:
  trace verify audit.jsonl
  trace verify audit.jsonl --log-key 'xihu.example/trace+1a2b3c4d+AUVr…' --json")]
    Verify {
        /// The bundle.
        file: PathBuf,
        /// The log's verifier key (`name+keyid+base64`) the checkpoint must be signed by.
        #[arg(long, value_name = "VKEY")]
        log_key: Option<VerifierKey>,
    },
    /// Follow a node's log: check its new checkpoint against the last one seen and verify every new entry.
    #[command(after_help = "\
Keeps its state in --state DIR (the last checkpoint, the Merkle right edge, every record id). The first run pins
--log-key, or trusts the node's /v1/log-key once with a loud warning; the key must be named for the checkpoint's
origin, and a run that fails keeps nothing, so the next run starts afresh. Each run fetches the checkpoint, the
consistency proof from the last size and every new entry (a signed request: --key of an admitted actor), and
checks them all. A log that forked, shrank or was rewritten raises the alarm: both signed notes are printed and
the exit code is 4, as for any entry that fails. Run it from cron.

Examples:
  trace audit --node http://127.0.0.1:8080 --state ~/.trace-audit --key regulator.key --log-key 'xihu.example/trace+…'
  trace audit --node http://127.0.0.1:8080 --state ~/.trace-audit --key regulator.key --json")]
    Audit {
        /// Directory of the audit state (created on the first run).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The log's verifier key to pin (first run) or to require (later runs).
        #[arg(long, value_name = "VKEY")]
        log_key: Option<VerifierKey>,
    },
    /// Cosign the node's checkpoint as a witness, after checking it extends the last one cosigned.
    #[command(after_help = "\
A witness (C2SP tlog-witness rules) cosigns a checkpoint only when it is signed by the pinned log key and a
consistency proof shows it extends the last checkpoint this witness cosigned; a smaller tree or a second root
for one size is refused, with both notes, exit 4. The cosignature (cosignature/v1, signed with --key) is posted
to the node, which serves it at /v1/checkpoint/witnessed. --key must be an admitted regulator's.

Examples:
  trace witness --node http://127.0.0.1:8080 --state ~/.trace-witness --key regulator.key --name bureau.example/w1")]
    Witness {
        /// Directory of the witness state (created on the first run).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The witness's key name on its cosignatures. Default: witness-KEYPREFIX (the key's first hex digits).
        #[arg(long)]
        name: Option<String>,
        /// The log's verifier key to pin (first run) or to require (later runs).
        #[arg(long, value_name = "VKEY")]
        log_key: Option<VerifierKey>,
    },
    /// Scan a label: resolve it on the node, verify every record behind it, and show its status.
    #[command(after_help = "\
Takes what the scanner read: a Digital Link or /b/ URL, a batch id or a 24-digit vet-drug code. The label is
resolved on --node only; a host printed on the label is never contacted. Every record of the batch's summary is
verified (author signature, inclusion proof, checkpoint signature under --log-key, or the node's own key with a
warning). Exit codes: 0 the batch may be sold, 5 it is ON HOLD or RECALLED (printed loudly), 4 the proofs do
not verify.

Examples:
  trace scan https://xihu.example/b/7K3MQ9TAC2XVR --node http://127.0.0.1:8080
  trace scan 202611010123400000000001 --node http://127.0.0.1:8080 --log-key 'xihu.example/trace+…'")]
    Scan {
        /// The scanned text: URL, batch id or 24-digit vet-drug code.
        payload: String,
        /// The log's verifier key the checkpoint must be signed by.
        #[arg(long, value_name = "VKEY")]
        log_key: Option<VerifierKey>,
    },
    /// Print a label's QR code in the terminal and write it as PNG and SVG with the text under the code.
    #[command(
        after_help = "Examples:\n  trace qr 7K3M-Q9TA-C2XVR --png pork.png --svg pork.svg --data ./ledger\n  trace qr 202611010123400000000001 --png drug.png --node http://127.0.0.1:8080\n  trace qr 7K3M-Q9TA-C2XVR Q2W4-ZZ8N-1KD3M --copies 6 --sheet stall-12.png --data ./ledger"
    )]
    Qr {
        /// Batch id, 24-digit vet-drug code, or any label payload (Digital Link URL, /b/ URL). Several for a sheet.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Write the (first) label as PNG.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// Write the (first) label as SVG.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Write a printable sheet of all labels (PNG or SVG by extension).
        #[arg(long, value_name = "FILE")]
        sheet: Option<PathBuf>,
        /// Copies of each label on the sheet.
        #[arg(long, default_value_t = 1)]
        copies: usize,
        /// Labels per row on the sheet.
        #[arg(long, default_value_t = 3)]
        columns: usize,
        /// The public base URL the codes point at. Default: --node, or TRACE_PUBLIC_URL, or http://127.0.0.1:8080.
        #[arg(long, env = "TRACE_PUBLIC_URL", value_name = "URL")]
        base: Option<String>,
        /// Terminal style: ansi (black on white), dark (for dark terminals without colour), light, none.
        #[arg(long)]
        style: Option<String>,
    },
    /// Run the whole story of the seed work plan on a local ledger, step by step, then label, audit and serve it.
    #[command(
        after_help = "Examples:\n  trace demo                                   the story on a temporary ledger\n  trace demo --data demo-ledger --serve 127.0.0.1:8080\n                                               keep the ledger and serve its scan pages\n\nEvery member's key is written to DIR/keys/<role>.key, so the story can be carried on by hand:\n  trace --data demo-ledger --key demo-ledger/keys/market.key sell <batch> --quantity '1 kg'"
    )]
    Demo {
        /// After the story, serve the ledger's node here until Ctrl-C (the QR codes point at it).
        #[arg(long, value_name = "ADDR")]
        serve: Option<std::net::SocketAddr>,
        /// The public base URL the QR codes point at. Default: http://ADDR of --serve, or http://127.0.0.1:8080.
        #[arg(long, env = "TRACE_PUBLIC_URL", value_name = "URL")]
        base: Option<String>,
        /// The demo ledger's origin.
        #[arg(long, default_value = trace_core::demo::DEMO_ORIGIN)]
        origin: String,
        /// Derive the cast's keys from this number instead of at random, so the same seed and --start give
        /// the same records and batch ids (for reproducible demos and tests; never for a real ledger).
        #[arg(long)]
        seed: Option<u8>,
        /// When the story starts (default: 60 days ago; the story spans 33 days and must end before now).
        #[arg(long, value_name = "TIME")]
        start: Option<String>,
    },
    /// List the records kept in the signing key's outbox (sent to a node, no answer yet), or forget them.
    #[command(after_help = "\
A record for a node is signed once and kept in KEY_FILE.outbox/ (beside --key) until the node answers. When the
request went out and no answer came, it stays there, and running the same command again sends that same record:
the node answers \"already recorded\" if the first attempt got through, so nothing is recorded twice. This lists
what is kept; --clear forgets it (then a re-run signs a new record, which may record the event a second time).

Examples:
  trace outbox --key coop.key
  trace outbox --key coop.key --clear --json")]
    Outbox {
        /// Forget every kept record.
        #[arg(long)]
        clear: bool,
    },
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, powershell, elvish.
        shell: clap_complete::Shell,
    },
}

/// `trace key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new signing key file (mode 0600; never overwrites).
    New {
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print a key file's public key.
    #[command(
        after_help = "Example:\n  trace show 7K3M-Q9TA-C2XVR --node http://127.0.0.1:8080 --key market.key\n  trace show 7k3mq9tac2xvr --data ./ledger --json"
    )]
    Show {
        /// The key file.
        file: PathBuf,
    },
}
