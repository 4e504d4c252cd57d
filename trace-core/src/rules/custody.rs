//! Custody: who holds what, shipments in transit and their receipt.
//!
//! Invariants kept here:
//! - only a holder moves goods, and only as much as it holds (under its current key or one it rotated away from);
//! - a shipment goes to an active actor that can record its receipt, carried by a transporter if by anyone;
//! - a shipment is received once, by its addressee; refused goods go back to the shipper;
//! - a treatment binding the shipper's holding binds the receiver's too (treated goods stay treated).

use super::*;

impl Ctx<'_, '_> {
    /// Whether `key` is the author's key now or one it rotated away from.
    pub(super) fn is_me(&self, key: &PublicKey) -> bool {
        self.me.contains(key)
    }

    /// Whether the author holds any of `b`, under any of its keys.
    pub(super) fn holds(&self, b: &BatchState) -> bool {
        b.holdings.iter().any(|h| self.is_me(&h.holder) && !h.quantity.is_zero())
    }

    pub(super) fn take_from_holder(&self, b: &mut BatchState, q: Quantity, action: Take) -> Result<(), Error> {
        // What the author holds under keys it has since rotated away from is its own: fold it into the
        // holding under its current key before taking from it.
        let (old, mut kept): (Vec<Holding>, Vec<Holding>) =
            b.holdings.drain(..).partition(|h| h.holder != self.author && self.is_me(&h.holder));
        for h in old {
            add_holding_to(&mut kept, self.author, h.quantity)?;
        }
        b.holdings = kept;
        let Some(h) = b.holdings.iter_mut().find(|h| h.holder == self.author) else {
            return refuse(Facts::HoldsNone { actor: self.name.clone(), batch: b.id, label: b.name() });
        };
        if !h.quantity.comparable(q) {
            return refuse(Facts::Incomparable { asked: q, held: h.quantity });
        }
        match h.quantity.checked_sub(q) {
            Some(rest) => h.quantity = rest,
            None => {
                let held = h.quantity;
                return refuse(Facts::QuantityExceeded { batch: b.id, label: b.name(), asked: q, held, action });
            }
        }
        b.holdings.retain(|h| !h.quantity.is_zero());
        Ok(())
    }

    pub(super) fn active_actor(&self, key: &PublicKey, party: Side) -> Result<Actor, Error> {
        match self.ov.actor(key)? {
            Some(a) if a.active() => Ok(a),
            Some(a) => refuse(Facts::PartyRevoked { party, name: a.name }),
            None => refuse(Facts::PartyNotAdmitted { party, key: *key }),
        }
    }

    pub(super) fn shipped(&mut self, b: &mut BatchState, e: &Shipped) -> Result<(), Error> {
        self.ensure_movable(b, Action::Shipped)?;
        self.ensure_withdrawal_over(b, Action::Shipped)?;
        // `not_enforced` refused a receiver outside the ledger (issue 20).
        let Some(to) = e.to.member() else {
            return refuse(Facts::NotEnforced { what: "Shipped.to".into(), issue: 20 });
        };
        if to == self.author {
            return refuse(Facts::ShippedToSelf);
        }
        let receiver = self.active_actor(&to, Side::Receiver)?;
        if !RECEIVER_ROLES.iter().any(|r| receiver.has(*r)) {
            // Nobody could ever record the receipt, so the goods would stay in transit for good.
            return refuse(Facts::ReceiverCannotReceive { receiver: receiver.name });
        }
        if let Some(c) = &e.carrier {
            let carrier = self.active_actor(c, Side::Carrier)?;
            if !carrier.has(Role::Transporter) {
                return refuse(Facts::CarrierNotTransporter { carrier: carrier.name });
            }
        }
        self.take_from_holder(b, e.quantity, Take::Ship)?;
        // Treated goods stay treated goods: a treatment that bound the shipper's holding binds the receiver's.
        for w in &mut b.withdrawals {
            if !w.holders.is_empty() && w.holders.iter().any(|h| self.me.contains(h)) && !w.holders.contains(&to) {
                w.holders.push(to);
            }
        }
        b.in_transit.push(Transit { shipment: self.id, from: self.author, to, quantity: e.quantity });
        Ok(())
    }

    pub(super) fn received(&mut self, b: &mut BatchState, e: &Received) -> Result<(), Error> {
        let Some(pos) = b.in_transit.iter().position(|t| t.shipment == e.shipment) else {
            return refuse(Facts::NoSuchShipment { shipment: e.shipment, batch: b.id });
        };
        let t = b.in_transit[pos].clone();
        if !self.is_me(&t.to) {
            return refuse(Facts::ShipmentNotForAuthor { shipment: e.shipment, to: t.to });
        }
        b.in_transit.remove(pos);
        // Accepted goods go to the receiver under its current key; refused goods go back to the shipper.
        let holder = if e.accepted { self.author } else { t.from };
        add_holding(b, holder, t.quantity)?;
        Ok(())
    }
}

pub(super) fn add_holding(b: &mut BatchState, holder: PublicKey, q: Quantity) -> Result<(), Error> {
    add_holding_to(&mut b.holdings, holder, q)
}

pub(super) fn add_holding_to(holdings: &mut Vec<Holding>, holder: PublicKey, q: Quantity) -> Result<(), Error> {
    if let Some(h) = holdings.iter_mut().find(|h| h.holder == holder) {
        h.quantity = h.quantity.checked_add(q).ok_or_else(|| Error::Refused(Refusal::new(Facts::QuantityOverflow)))?;
    } else {
        holdings.push(Holding { holder, quantity: q });
    }
    Ok(())
}
