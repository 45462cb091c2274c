// The desk's work-order form: choices from the shipped reference data, fill and read back.
"use strict";

const OrderForm = (() => {
  const { t, el } = CC;
  const REFERENCE = CC.json("reference");
  const form = () => document.getElementById("order");
  const field = (name) => form().elements.namedItem(name);
  const CHOICES = {
    age_group: ["under_12", "12_14", "15_17", "18_24", "25_plus", "unknown"].map((v) => [v, `age.${v}`]),
    gender: ["female", "male", "other", "unknown"].map((v) => [v, `gender.${v}`]),
    identity: ["student", "parent", "worker", "other"].map((v) => [v, `identity.${v}`]),
    risk_level: ["none", "low", "medium", "high", "imminent"].map((v) => [v, `risk.${v}`]),
  };
  let loaded = {};

  function options(select, pairs, blank = true) {
    const current = select.value;
    select.replaceChildren(
      ...(blank ? [el("option", { value: "", text: "—" })] : []),
      ...pairs.map(([value, label]) => el("option", { value, text: label })),
    );
    if ([...select.options].some((o) => o.value === current)) select.value = current;
  }

  function fillChoices() {
    for (const [name, pairs] of Object.entries(CHOICES)) {
      options(field(name), pairs.map(([v, key]) => [v, t(key)]), name !== "risk_level");
    }
    options(field("category"), Object.entries(REFERENCE.categories).map(([v, c]) => [v, c.label]));
    options(field("city"), Object.keys(REFERENCE.regions).map((c) => [c, c]));
    fillSubcategories();
    fillCounties();
  }

  function fillSubcategories() {
    const category = REFERENCE.categories[field("category").value];
    options(field("subcategory"), category ? Object.entries(category.subcategories) : []);
  }

  function fillCounties() {
    const counties = REFERENCE.regions[field("city").value] || [];
    options(field("county"), counties.map((c) => [c, c]));
  }

  function fill(order) {
    loaded = order;
    field("category").value = order.category || "";
    fillSubcategories();
    field("subcategory").value = order.subcategory || "";
    field("city").value = order.city || "";
    fillCounties();
    field("county").value = order.county || "";
    for (const name of ["age_group", "gender", "identity", "summary"]) {
      field(name).value = order[name] || "";
    }
    field("risk_level").value = order.risk_level || "none";
  }

  // Only what differs from the loaded order, so two edits of one order do not fight.
  function changes() {
    const out = {};
    const names = ["category", "subcategory", "city", "county", "age_group", "gender",
      "identity", "risk_level", "summary"];
    for (const name of names) {
      const value = field(name).value || null;
      if (value !== (loaded[name] ?? null)) out[name] = value ?? (name === "summary" ? "" : null);
    }
    // The API wants a sub-value sent with its parent.
    if ("subcategory" in out && !("category" in out)) out.category = field("category").value || null;
    if ("county" in out && !("city" in out)) out.city = field("city").value || null;
    if (out.risk_level === null) delete out.risk_level;
    if (out.summary === null) out.summary = "";
    return out;
  }

  function enable(on) {
    document.getElementById("order-fields").disabled = !on;
  }

  function init() {
    fillChoices();
    field("category").addEventListener("change", fillSubcategories);
    field("city").addEventListener("change", fillCounties);
    CC.onLanguage(fillChoices);
  }

  const categoryLabel = (name) => (REFERENCE.categories[name] || {}).label || name || "";

  return { init, fill, changes, enable, field, categoryLabel, accepted: (order) => { loaded = order; } };
})();
