"""HubSpot-defined ("default") properties a new portal starts with, per object type.

Real portals carry several hundred HubSpot-defined properties per object; this catalogue
holds the commonly used ones (names, labels and types as HubSpot's knowledge base lists
them in "HubSpot's default contact/company/deal/ticket properties", and as portals
report them through ``GET /crm/v3/properties/{objectType}``). Every entry is
``hubspotDefined`` and not archivable; server-computed ones (``r`` flag) have
``modificationMetadata.readOnlyValue`` and are refused on record writes.

Grouping: real portals spread these over more groups (``emailinformation``,
``analyticsinformation``, ``deal_activity``, …). Here they all sit in the object's default
group (``contactinformation``, ``companyinformation``, ``dealinformation``,
``ticketinformation``) [simplification: hs-japan's engine treats only those four groups as
HubSpot's own, so extra HubSpot groups would be exported as user configuration].

Stage calculated properties (``hs_date_entered_<stageId>``, ``hs_v2_date_entered_<stageId>``
…) are not listed here: they exist per pipeline stage and are derived from the portal's
pipelines by :func:`stage_properties`.

Flags in the tables: ``r`` read-only value (server-maintained), ``c`` calculated, ``f`` form
field, ``x`` external options (owners, pipelines, stages), ``h`` hidden, ``o`` options
editable (``readOnlyOptions`` false), ``u`` unique values.
"""

from __future__ import annotations

from typing import Any

EPOCH = "1970-01-01T00:00:00Z"

DEFAULT_GROUPS = {
    "contacts": [("contactinformation", "Contact information")],
    "companies": [("companyinformation", "Company information")],
    "deals": [("dealinformation", "Deal information")],
    "tickets": [("ticketinformation", "Ticket information")],
    # [guess on the group's name: the material reached does not name it]
    "leads": [("leadinformation", "Lead information")],
    # [guess on the group's name: the material reached does not name it]
    "meetings": [("meetinginformation", "Meeting information")],
}

Options = list[tuple[str, str]]
# (name, label, type, fieldType, flags, options)
Entry = tuple[str, str, str, str, str, Options]

LIFECYCLE: Options = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
]
LEAD_STATUS: Options = [
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
]
ANALYTICS_SOURCE: Options = [
    ("ORGANIC_SEARCH", "Organic Search"),
    ("PAID_SEARCH", "Paid Search"),
    ("EMAIL_MARKETING", "Email Marketing"),
    ("SOCIAL_MEDIA", "Organic Social"),
    ("REFERRALS", "Referrals"),
    ("OTHER_CAMPAIGNS", "Other Campaigns"),
    ("DIRECT_TRAFFIC", "Direct Traffic"),
    ("OFFLINE", "Offline Sources"),
    ("PAID_SOCIAL", "Paid Social"),
    ("AI_REFERRALS", "AI Referrals"),
]
COMPANY_TYPE: Options = [
    ("PROSPECT", "Prospect"),
    ("PARTNER", "Partner"),
    ("RESELLER", "Reseller"),
    ("VENDOR", "Vendor"),
    ("OTHER", "Other"),
]
PRIORITY: Options = [("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")]
TICKET_PRIORITY: Options = [*PRIORITY, ("URGENT", "Urgent")]
TICKET_CATEGORY: Options = [
    ("PRODUCT_ISSUE", "Product issue"),
    ("BILLING_ISSUE", "Billing issue"),
    ("FEATURE_REQUEST", "Feature request"),
    ("GENERAL_INQUIRY", "General inquiry"),
]
TICKET_SOURCE: Options = [
    ("EMAIL", "Email"),
    ("CHAT", "Chat"),
    ("FORM", "Form"),
    ("PHONE", "Phone"),
]
FORECAST_CATEGORY: Options = [
    ("OMIT", "Not forecasted"),
    ("PIPELINE", "Pipeline"),
    ("BEST_CASE", "Best case"),
    ("COMMIT", "Commit"),
    ("CLOSED", "Closed won"),
]
DEAL_TYPE: Options = [
    ("newbusiness", "New Business"),
    ("existingbusiness", "Existing Business"),
]
BOOL: Options = [("true", "Yes"), ("false", "No")]

# Common to every object: record id and timestamps (server-maintained).
_COMMON: list[Entry] = [
    ("hs_object_id", "Record ID", "number", "number", "r", []),
    ("createdate", "Create Date", "datetime", "date", "r", []),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "r", []),
    ("hs_created_by_user_id", "Created by user ID", "number", "number", "r", []),
    ("hs_updated_by_user_id", "Updated by user ID", "number", "number", "r", []),
    ("hs_object_source", "Record source", "string", "text", "r", []),
    ("hs_object_source_id", "Record source ID", "string", "text", "r", []),
    ("hs_object_source_label", "Record source", "enumeration", "select", "r", []),
    ("hs_merged_object_ids", "Merged record IDs", "enumeration", "checkbox", "r", []),
    ("hs_all_owner_ids", "All owner IDs", "enumeration", "checkbox", "rx", []),
    ("hs_all_team_ids", "All team IDs", "enumeration", "checkbox", "rx", []),
    ("hs_all_accessible_team_ids", "All teams", "enumeration", "checkbox", "rx", []),
    ("hs_user_ids_of_all_owners", "User IDs of all owners", "enumeration", "checkbox", "r", []),
    ("hubspot_owner_assigneddate", "Owner assigned date", "datetime", "date", "r", []),
    ("hubspot_team_id", "HubSpot Team", "enumeration", "select", "rx", []),
    ("hs_was_imported", "Performed in an import", "bool", "booleancheckbox", "r", BOOL),
    ("hs_shared_team_ids", "Shared teams", "enumeration", "checkbox", "x", []),
    ("hs_shared_user_ids", "Shared users", "enumeration", "checkbox", "x", []),
    ("notes_last_updated", "Last Activity Date", "datetime", "date", "r", []),
    ("notes_last_contacted", "Last Contacted", "datetime", "date", "r", []),
    ("notes_next_activity_date", "Next Activity Date", "datetime", "date", "r", []),
    ("num_notes", "Number of Sales Activities", "number", "number", "r", []),
    ("num_contacted_notes", "Number of times contacted", "number", "number", "r", []),
    ("hs_last_sales_activity_timestamp", "Last Engagement Date", "datetime", "date", "r", []),
    ("hs_pinned_engagement_id", "Pinned Engagement ID", "number", "number", "", []),
]

CONTACTS: list[Entry] = [
    # the properties every emulator portal had before the catalogue (unchanged)
    ("email", "Email", "string", "text", "f", []),
    ("firstname", "First Name", "string", "text", "f", []),
    ("lastname", "Last Name", "string", "text", "f", []),
    ("phone", "Phone Number", "string", "phonenumber", "f", []),
    ("jobtitle", "Job Title", "string", "text", "", []),
    ("company", "Company Name", "string", "text", "", []),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "o", LIFECYCLE),
    ("hubspot_owner_id", "Contact owner", "enumeration", "select", "x", []),
    # more HubSpot defaults
    *_COMMON,
    ("lastmodifieddate", "Last Modified Date", "datetime", "date", "r", []),
    ("mobilephone", "Mobile Phone Number", "string", "phonenumber", "f", []),
    ("fax", "Fax Number", "string", "text", "f", []),
    ("address", "Street Address", "string", "text", "f", []),
    ("city", "City", "string", "text", "f", []),
    ("state", "State/Region", "string", "text", "f", []),
    ("zip", "Postal Code", "string", "text", "f", []),
    ("country", "Country/Region", "string", "text", "f", []),
    ("website", "Website URL", "string", "text", "f", []),
    ("industry", "Industry", "string", "text", "f", []),
    ("annualrevenue", "Annual Revenue", "string", "text", "f", []),
    ("numemployees", "Number of Employees", "enumeration", "select", "fo", []),
    ("salutation", "Salutation", "string", "text", "f", []),
    ("message", "Message", "string", "textarea", "f", []),
    ("date_of_birth", "Date of birth", "string", "text", "f", []),
    ("hs_lead_status", "Lead Status", "enumeration", "radio", "fo", LEAD_STATUS),
    ("hs_persona", "Persona", "enumeration", "radio", "fo", []),
    ("hs_language", "Preferred language", "enumeration", "select", "f", []),
    ("hs_timezone", "Time Zone", "enumeration", "select", "", []),
    ("hs_email_domain", "Email Domain", "string", "text", "r", []),
    ("hs_additional_emails", "Additional email addresses", "enumeration", "checkbox", "r", []),
    ("hs_email_optout", "Unsubscribed from all email", "bool", "booleancheckbox", "r", BOOL),
    ("hs_email_bounce", "Marketing emails bounced", "number", "number", "r", []),
    ("hs_email_open", "Marketing emails opened", "number", "number", "r", []),
    ("hs_email_click", "Marketing emails clicked", "number", "number", "r", []),
    ("hs_email_delivered", "Marketing emails delivered", "number", "number", "r", []),
    ("hs_email_last_open_date", "Last marketing email open date", "datetime", "date", "r", []),
    ("hs_email_last_click_date", "Last marketing email click date", "datetime", "date", "r", []),
    ("hs_email_last_send_date", "Last marketing email send date", "datetime", "date", "r", []),
    ("hs_sales_email_last_replied", "Recent Sales Email Replied Date", "datetime", "date", "r", []),
    (
        "hs_analytics_source",
        "Original Traffic Source",
        "enumeration",
        "select",
        "r",
        ANALYTICS_SOURCE,
    ),
    (
        "hs_analytics_source_data_1",
        "Original Traffic Source Drill-Down 1",
        "string",
        "text",
        "r",
        [],
    ),
    (
        "hs_analytics_source_data_2",
        "Original Traffic Source Drill-Down 2",
        "string",
        "text",
        "r",
        [],
    ),
    ("hs_latest_source", "Latest Traffic Source", "enumeration", "select", "r", ANALYTICS_SOURCE),
    ("hs_analytics_num_page_views", "Number of Pageviews", "number", "number", "r", []),
    ("hs_analytics_num_visits", "Number of Sessions", "number", "number", "r", []),
    ("hs_analytics_first_timestamp", "Time First Seen", "datetime", "date", "r", []),
    ("hs_analytics_last_timestamp", "Time Last Seen", "datetime", "date", "r", []),
    ("hs_analytics_first_url", "First Page Seen", "string", "text", "r", []),
    ("hs_analytics_last_url", "Last Page Seen", "string", "text", "r", []),
    ("first_conversion_event_name", "First Conversion", "string", "text", "r", []),
    ("first_conversion_date", "First Conversion Date", "datetime", "date", "r", []),
    ("recent_conversion_event_name", "Recent Conversion", "string", "text", "r", []),
    ("recent_conversion_date", "Recent Conversion Date", "datetime", "date", "r", []),
    ("num_conversion_events", "Number of Form Submissions", "number", "number", "r", []),
    (
        "num_unique_conversion_events",
        "Number of Unique Forms Submitted",
        "number",
        "number",
        "r",
        [],
    ),
    ("associatedcompanyid", "Primary Associated Company ID", "number", "number", "", []),
    ("num_associated_deals", "Number of Associated Deals", "number", "number", "r", []),
    (
        "hs_lifecyclestage_lead_date",
        "Date entered 'Lead (Lifecycle Stage Pipeline)'",
        "datetime",
        "date",
        "r",
        [],
    ),
    (
        "hs_lifecyclestage_customer_date",
        "Date entered 'Customer (Lifecycle Stage Pipeline)'",
        "datetime",
        "date",
        "r",
        [],
    ),
    (
        "hs_lifecyclestage_opportunity_date",
        "Date entered 'Opportunity (Lifecycle Stage Pipeline)'",
        "datetime",
        "date",
        "r",
        [],
    ),
    (
        "hs_lifecyclestage_salesqualifiedlead_date",
        "Date entered 'Sales Qualified Lead (Lifecycle Stage Pipeline)'",
        "datetime",
        "date",
        "r",
        [],
    ),
    (
        "hs_lifecyclestage_marketingqualifiedlead_date",
        "Date entered 'Marketing Qualified Lead (Lifecycle Stage Pipeline)'",
        "datetime",
        "date",
        "r",
        [],
    ),
    (
        "hs_lifecyclestage_subscriber_date",
        "Date entered 'Subscriber (Lifecycle Stage Pipeline)'",
        "datetime",
        "date",
        "r",
        [],
    ),
    ("hs_lead_status_last_updated", "Lead status last updated", "datetime", "date", "r", []),
    (
        "hs_buying_role",
        "Buying Role",
        "enumeration",
        "checkbox",
        "o",
        [
            ("BUDGET_HOLDER", "Budget Holder"),
            ("CHAMPION", "Champion"),
            ("DECISION_MAKER", "Decision Maker"),
            ("END_USER", "End User"),
            ("EXECUTIVE_SPONSOR", "Executive Sponsor"),
            ("INFLUENCER", "Influencer"),
            ("LEGAL_AND_COMPLIANCE", "Legal & Compliance"),
            ("OTHER", "Other"),
        ],
    ),
    ("hs_whatsapp_phone_number", "WhatsApp Phone Number", "string", "phonenumber", "", []),
    ("twitterhandle", "Twitter Username", "string", "text", "f", []),
    ("linkedinbio", "LinkedIn Bio", "string", "textarea", "", []),
    ("hs_linkedin_url", "LinkedIn URL", "string", "text", "f", []),
    ("hubspotscore", "HubSpot Score", "number", "number", "r", []),
    ("hs_predictivecontactscore_v2", "Likelihood to close", "number", "number", "r", []),
    ("days_to_close", "Days To Close", "number", "number", "rc", []),
    ("hs_time_to_first_engagement", "Time to first engagement", "number", "number", "r", []),
    ("hs_v2_date_entered_current_stage", "Date entered current stage", "datetime", "date", "r", []),
    ("hs_v2_time_in_current_stage", "Time in current stage", "datetime", "date", "r", []),
]

COMPANIES: list[Entry] = [
    ("name", "Name", "string", "text", "", []),
    ("domain", "Company Domain Name", "string", "text", "", []),
    ("industry", "Industry", "string", "text", "", []),
    ("numberofemployees", "Number of Employees", "number", "number", "", []),
    ("annualrevenue", "Annual Revenue", "number", "number", "", []),
    ("city", "City", "string", "text", "", []),
    ("hubspot_owner_id", "Company owner", "enumeration", "select", "x", []),
    *_COMMON,
    ("phone", "Phone Number", "string", "phonenumber", "", []),
    ("address", "Street Address", "string", "text", "", []),
    ("address2", "Street Address 2", "string", "text", "", []),
    ("state", "State/Region", "string", "text", "", []),
    ("zip", "Postal Code", "string", "text", "", []),
    ("country", "Country/Region", "string", "text", "", []),
    ("website", "Website URL", "string", "text", "", []),
    ("description", "Description", "string", "textarea", "", []),
    ("about_us", "About Us", "string", "textarea", "", []),
    ("founded_year", "Year Founded", "string", "text", "", []),
    ("is_public", "Is Public", "bool", "booleancheckbox", "", BOOL),
    ("timezone", "Time Zone", "string", "text", "", []),
    ("total_money_raised", "Total Money Raised", "string", "text", "", []),
    ("type", "Type", "enumeration", "select", "o", COMPANY_TYPE),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "o", LIFECYCLE),
    ("hs_lead_status", "Lead Status", "enumeration", "radio", "o", LEAD_STATUS),
    (
        "hs_ideal_customer_profile",
        "Ideal Customer Profile Tier",
        "enumeration",
        "radio",
        "o",
        [
            ("tier_1", "Tier 1"),
            ("tier_2", "Tier 2"),
            ("tier_3", "Tier 3"),
        ],
    ),
    ("hs_is_target_account", "Target Account", "bool", "booleancheckbox", "", BOOL),
    ("hs_num_decision_makers", "Number of decision makers", "number", "number", "rc", []),
    ("hs_num_blockers", "Number of blockers", "number", "number", "rc", []),
    ("hs_num_child_companies", "Number of child companies", "number", "number", "rc", []),
    ("hs_parent_company_id", "Parent Company", "number", "number", "r", []),
    ("num_associated_contacts", "Number of Associated Contacts", "number", "number", "rc", []),
    ("num_associated_deals", "Number of Associated Deals", "number", "number", "rc", []),
    ("hs_num_open_deals", "Number of open deals", "number", "number", "rc", []),
    ("recent_deal_amount", "Recent Deal Amount", "number", "number", "rc", []),
    ("recent_deal_close_date", "Recent Deal Close Date", "datetime", "date", "rc", []),
    ("first_deal_created_date", "First Deal Created Date", "datetime", "date", "rc", []),
    ("total_revenue", "Total Revenue", "number", "number", "rc", []),
    ("hs_total_deal_value", "Total open deal value", "number", "number", "rc", []),
    ("first_contact_createdate", "First Contact Create Date", "datetime", "date", "rc", []),
    ("closedate", "Close Date", "datetime", "date", "", []),
    (
        "hs_analytics_source",
        "Original Traffic Source",
        "enumeration",
        "select",
        "r",
        ANALYTICS_SOURCE,
    ),
    (
        "hs_analytics_source_data_1",
        "Original Traffic Source Drill-Down 1",
        "string",
        "text",
        "r",
        [],
    ),
    (
        "hs_analytics_source_data_2",
        "Original Traffic Source Drill-Down 2",
        "string",
        "text",
        "r",
        [],
    ),
    ("hs_analytics_num_page_views", "Number of Pageviews", "number", "number", "r", []),
    ("hs_analytics_num_visits", "Number of Sessions", "number", "number", "r", []),
    ("hs_analytics_first_timestamp", "Time First Seen", "datetime", "date", "r", []),
    ("hs_analytics_last_timestamp", "Time Last Seen", "datetime", "date", "r", []),
    ("web_technologies", "Web Technologies", "enumeration", "checkbox", "o", []),
    ("linkedin_company_page", "LinkedIn Company Page", "string", "text", "", []),
    ("linkedinbio", "LinkedIn Bio", "string", "textarea", "", []),
    ("facebook_company_page", "Facebook Company Page", "string", "text", "", []),
    ("twitterhandle", "Twitter Handle", "string", "text", "", []),
    ("hs_target_account_probability", "Target Account Probability", "number", "number", "r", []),
    ("hs_country_code", "Country/Region Code", "string", "text", "", []),
    ("hs_logo_url", "Logo URL", "string", "text", "", []),
    ("hs_v2_date_entered_current_stage", "Date entered current stage", "datetime", "date", "r", []),
    ("hs_v2_time_in_current_stage", "Time in current stage", "datetime", "date", "r", []),
]

DEALS: list[Entry] = [
    ("dealname", "Deal Name", "string", "text", "", []),
    ("amount", "Amount", "number", "number", "", []),
    ("dealstage", "Deal Stage", "enumeration", "radio", "x", []),
    ("pipeline", "Pipeline", "enumeration", "select", "x", []),
    ("closedate", "Close Date", "datetime", "date", "", []),
    ("dealtype", "Deal Type", "enumeration", "radio", "", DEAL_TYPE),
    ("hubspot_owner_id", "Deal owner", "enumeration", "select", "x", []),
    ("description", "Deal Description", "string", "textarea", "", []),
    *_COMMON,
    ("hs_priority", "Priority", "enumeration", "select", "o", PRIORITY),
    ("hs_deal_stage_probability", "Deal Stage Probability", "number", "number", "rc", []),
    ("hs_forecast_amount", "Forecast amount", "number", "number", "rc", []),
    ("hs_forecast_probability", "Forecast probability", "number", "number", "", []),
    (
        "hs_manual_forecast_category",
        "Forecast category",
        "enumeration",
        "select",
        "",
        FORECAST_CATEGORY,
    ),
    ("hs_projected_amount", "Weighted amount", "number", "number", "rc", []),
    (
        "hs_projected_amount_in_home_currency",
        "Weighted amount in company currency",
        "number",
        "number",
        "rc",
        [],
    ),
    ("amount_in_home_currency", "Amount in company currency", "number", "number", "rc", []),
    (
        "deal_currency_code",
        "Currency",
        "enumeration",
        "select",
        "",
        [("JPY", "Japanese Yen"), ("USD", "US Dollar")],
    ),
    ("hs_acv", "Annual contract value", "number", "number", "rc", []),
    ("hs_arr", "Annual recurring revenue", "number", "number", "rc", []),
    ("hs_mrr", "Monthly recurring revenue", "number", "number", "rc", []),
    ("hs_tcv", "Total contract value", "number", "number", "rc", []),
    ("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox", "rc", BOOL),
    ("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox", "rc", BOOL),
    ("hs_is_closed_lost", "Is closed lost", "bool", "booleancheckbox", "rc", BOOL),
    ("hs_closed_won_date", "Closed won date", "datetime", "date", "rc", []),
    ("closed_won_reason", "Closed won reason", "string", "textarea", "", []),
    ("closed_lost_reason", "Closed lost reason", "string", "textarea", "", []),
    ("hs_closed_amount", "Closed amount", "number", "number", "rc", []),
    (
        "hs_closed_amount_in_home_currency",
        "Closed amount in company currency",
        "number",
        "number",
        "rc",
        [],
    ),
    ("days_to_close", "Days to close", "number", "number", "rc", []),
    ("hs_days_to_close_raw", "Days to close (without rounding)", "number", "number", "rc", []),
    ("hs_is_deal_split", "Deal Split Added", "bool", "booleancheckbox", "r", BOOL),
    ("hs_next_step", "Next step", "string", "textarea", "", []),
    (
        "hs_deal_stage_probability_shadow",
        "Deal Stage Probability Shadow",
        "number",
        "number",
        "rh",
        [],
    ),
    (
        "hs_analytics_source",
        "Original Traffic Source",
        "enumeration",
        "select",
        "r",
        ANALYTICS_SOURCE,
    ),
    (
        "hs_analytics_source_data_1",
        "Original Traffic Source Drill-Down 1",
        "string",
        "text",
        "r",
        [],
    ),
    (
        "hs_analytics_source_data_2",
        "Original Traffic Source Drill-Down 2",
        "string",
        "text",
        "r",
        [],
    ),
    ("num_associated_contacts", "Number of Associated Contacts", "number", "number", "rc", []),
    ("hs_num_associated_deal_splits", "Number of deal splits", "number", "number", "rc", []),
    ("hs_num_target_accounts", "Number of target accounts", "number", "number", "rc", []),
    (
        "hs_num_of_associated_line_items",
        "Number of associated line items",
        "number",
        "number",
        "rc",
        [],
    ),
    (
        "engagements_last_meeting_booked",
        "Date of last meeting booked in meetings tool",
        "datetime",
        "date",
        "r",
        [],
    ),
    ("hs_latest_meeting_activity", "Latest meeting activity", "datetime", "date", "r", []),
    ("hs_sales_email_last_replied", "Recent Sales Email Replied Date", "datetime", "date", "r", []),
    (
        "hs_line_item_global_term_hs_discount_percentage",
        "Global Term Line Item Discount Percentage",
        "string",
        "text",
        "r",
        [],
    ),
    (
        "hs_date_entered_closedwon_shadow",
        "Date entered Closed Won (shadow)",
        "datetime",
        "date",
        "rh",
        [],
    ),
    ("hs_open_deal_create_date", "Open deal create date", "datetime", "date", "rc", []),
    ("hs_deal_score", "Deal Score", "number", "number", "r", []),
    (
        "hs_likelihood_to_close",
        "Likelihood to close by the close date",
        "number",
        "number",
        "r",
        [],
    ),
    ("hs_was_imported", "Performed in an import", "bool", "booleancheckbox", "r", BOOL),
    ("hs_v2_date_entered_current_stage", "Date entered current stage", "datetime", "date", "r", []),
    ("hs_v2_time_in_current_stage", "Time in current stage", "datetime", "date", "r", []),
]

TICKETS: list[Entry] = [
    ("subject", "Ticket name", "string", "text", "", []),
    ("content", "Ticket description", "string", "textarea", "", []),
    ("hs_pipeline", "Pipeline", "enumeration", "select", "x", []),
    ("hs_pipeline_stage", "Ticket status", "enumeration", "select", "x", []),
    ("hs_ticket_priority", "Priority", "enumeration", "select", "", TICKET_PRIORITY[:3]),
    ("hubspot_owner_id", "Ticket owner", "enumeration", "select", "x", []),
    *_COMMON,
    ("hs_ticket_category", "Category", "enumeration", "select", "o", TICKET_CATEGORY),
    ("source_type", "Source", "enumeration", "select", "o", TICKET_SOURCE),
    ("hs_ticket_id", "Ticket ID", "number", "number", "r", []),
    ("closed_date", "Close date", "datetime", "date", "", []),
    ("time_to_close", "Time to close", "number", "number", "rc", []),
    ("time_to_first_agent_reply", "Time to first agent email reply", "number", "number", "rc", []),
    ("first_agent_reply_date", "First agent email response date", "datetime", "date", "r", []),
    ("last_reply_date", "Last response date", "datetime", "date", "r", []),
    ("last_engagement_date", "Last contacted", "datetime", "date", "r", []),
    ("hs_last_message_received_at", "Last customer reply date", "datetime", "date", "r", []),
    ("hs_last_message_sent_at", "Last message sent date", "datetime", "date", "r", []),
    (
        "hs_resolution",
        "Resolution",
        "enumeration",
        "checkbox",
        "o",
        [
            ("ISSUE_FIXED", "Issue fixed"),
            ("WORKAROUND_PROVIDED", "Workaround provided"),
            ("ANSWERED", "Answered"),
            ("NO_RESPONSE", "No response"),
        ],
    ),
    ("hs_is_closed", "Is ticket closed?", "bool", "booleancheckbox", "rc", BOOL),
    ("hs_num_times_contacted", "Number of times contacted", "number", "number", "r", []),
    ("hs_num_associated_companies", "Number of associated companies", "number", "number", "rc", []),
    ("num_associated_contacts", "Number of Associated Contacts", "number", "number", "rc", []),
    ("hs_ticket_language_ai_tag", "Ticket language", "enumeration", "select", "r", []),
    ("hs_tag_ids", "Tags", "enumeration", "checkbox", "x", []),
    ("hs_feedback_last_ces_rating", "Last CES survey rating", "number", "number", "r", []),
    ("hs_feedback_last_ces_follow_up", "Last CES survey comment", "string", "textarea", "r", []),
    (
        "hs_feedback_last_survey_date",
        "Last customer feedback survey date",
        "datetime",
        "date",
        "r",
        [],
    ),
    ("hs_first_agent_message_sent_at", "First agent reply date", "datetime", "date", "r", []),
    (
        "hs_time_to_first_response_sla_status",
        "Time to first response SLA status",
        "enumeration",
        "select",
        "r",
        [],
    ),
    ("hs_time_to_close_sla_status", "Time to close SLA status", "enumeration", "select", "r", []),
    (
        "hs_time_to_first_response_sla_due_date",
        "Time to first response SLA due date",
        "datetime",
        "date",
        "r",
        [],
    ),
    ("hs_time_to_close_sla_due_date", "Time to close SLA due date", "datetime", "date", "r", []),
    ("hs_nextactivitydate", "Next activity date", "datetime", "date", "r", []),
    (
        "hs_originating_email_engagement_id",
        "Originating email engagement ID",
        "number",
        "number",
        "r",
        [],
    ),
    ("hs_inbox_id", "Inbox ID", "number", "number", "r", []),
    (
        "hs_conversations_originating_thread_id",
        "Originating conversation thread ID",
        "string",
        "text",
        "r",
        [],
    ),
    ("hs_primary_company_id", "Primary company ID", "number", "number", "r", []),
    ("hs_primary_company_name", "Primary company", "string", "text", "r", []),
    ("hs_unique_creation_key", "Unique creation key", "string", "text", "ru", []),
    ("hs_ticket_reopened_at", "Ticket reopened at", "datetime", "date", "r", []),
    ("hs_v2_date_entered_current_stage", "Date entered current stage", "datetime", "date", "r", []),
    ("hs_v2_time_in_current_stage", "Time in current stage", "datetime", "date", "r", []),
]

# Meetings (object type 0-47), from HubSpot's meetings API guide
# (developers.hubspot.com/docs/api-reference/crm-meetings-v3/guide, "Properties"):
# ``hs_timestamp`` (required on create; defaults to ``hs_meeting_start_time`` when missing),
# title, body, internal notes, external URL, location, start/end time, outcome (scheduled,
# completed, rescheduled, no show, canceled) and the owner. The outcome's internal values
# (SCHEDULED, COMPLETED, RESCHEDULED, NO_SHOW, CANCELED) are as integrations send them; labels
# are HubSpot's words. ``hs_createdate`` is the activity's server-set creation date.
MEETING_OUTCOMES: Options = [
    ("SCHEDULED", "Scheduled"),
    ("COMPLETED", "Completed"),
    ("RESCHEDULED", "Rescheduled"),
    ("NO_SHOW", "No show"),
    ("CANCELED", "Canceled"),
]
MEETINGS: list[Entry] = [
    ("hs_timestamp", "Activity date", "datetime", "date", "", []),
    ("hs_meeting_title", "Meeting name", "string", "text", "", []),
    ("hs_meeting_body", "Meeting description", "string", "html", "", []),
    ("hs_internal_meeting_notes", "Internal meeting notes", "string", "html", "", []),
    ("hs_meeting_external_url", "External URL", "string", "text", "", []),
    ("hs_meeting_location", "Location", "string", "text", "", []),
    ("hs_meeting_start_time", "Start time", "datetime", "date", "", []),
    ("hs_meeting_end_time", "End time", "datetime", "date", "", []),
    ("hs_meeting_outcome", "Meeting outcome", "enumeration", "select", "", MEETING_OUTCOMES),
    ("hubspot_owner_id", "Activity assigned to", "enumeration", "select", "x", []),
    ("hs_createdate", "Create date", "datetime", "date", "r", []),
    ("hs_lastmodifieddate", "Last modified date", "datetime", "date", "r", []),
    ("hs_object_id", "Record ID", "number", "number", "r", []),
]

# Leads (object type 0-136), from HubSpot's leads API guide
# (developers.hubspot.com/docs/guides/api/crm/objects/leads, "Properties"): hs_lead_name
# (required on create), hs_lead_type and hs_lead_label (dropdowns whose options a portal
# edits; the guide's example sends "NEW BUSINESS" and "WARM"), the pipeline pair and the
# owner. The option values below are the guide's and integrations' [obs].
LEAD_TYPES: Options = [
    ("NEW BUSINESS", "New Business"),
    ("UPSELL", "Upsell"),
    ("RE_ATTEMPTING", "Re-attempting"),
]
LEAD_LABELS: Options = [("HOT", "Hot"), ("WARM", "Warm"), ("COLD", "Cold")]
LEADS: list[Entry] = [
    ("hs_lead_name", "Lead name", "string", "text", "", []),
    ("hs_lead_type", "Lead type", "enumeration", "select", "o", LEAD_TYPES),
    ("hs_lead_label", "Lead label", "enumeration", "select", "o", LEAD_LABELS),
    ("hs_pipeline", "Pipeline", "enumeration", "select", "x", []),
    ("hs_pipeline_stage", "Lead stage", "enumeration", "select", "x", []),
    ("hubspot_owner_id", "Lead owner", "enumeration", "select", "x", []),
    ("hs_createdate", "Create date", "datetime", "date", "r", []),
    ("hs_lastmodifieddate", "Last modified date", "datetime", "date", "r", []),
    ("hs_object_id", "Record ID", "number", "number", "r", []),
]

# how many leading entries per object were the emulator's original seed (they keep their
# display order 0..n-1; the rest come after, -1)
SEEDED = {
    "contacts": 8,
    "companies": 7,
    "deals": 8,
    "tickets": 6,
    "meetings": len(MEETINGS),
    "leads": len(LEADS),
}

CATALOGUE: dict[str, list[Entry]] = {
    "contacts": CONTACTS,
    "companies": COMPANIES,
    "deals": DEALS,
    "tickets": TICKETS,
    "meetings": MEETINGS,
    "leads": LEADS,
}


def property_doc(obj: str, order: int, entry: Entry, updated_at: str) -> dict[str, Any]:
    """A stored property definition (the Property schema plus nothing private)."""
    name, label, ptype, field_type, flags, options = entry
    read_only = "r" in flags
    return {
        "name": name,
        "label": label,
        "type": ptype,
        "fieldType": field_type,
        "groupName": DEFAULT_GROUPS[obj][0][0],
        "description": "",
        "options": [
            {"label": lab, "value": val, "displayOrder": i, "hidden": False}
            for i, (val, lab) in enumerate(options)
        ],
        "displayOrder": order,
        "hidden": "h" in flags,
        "formField": "f" in flags,
        "hasUniqueValue": "u" in flags,
        "calculated": "c" in flags,
        "externalOptions": "x" in flags,
        "hubspotDefined": True,
        "archived": False,
        "dataSensitivity": "non_sensitive",
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": read_only,
            "readOnlyOptions": "o" not in flags,
        },
        "createdAt": EPOCH,
        "updatedAt": updated_at,
    }


def catalogue_docs(obj: str, updated_at: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for order, entry in enumerate(CATALOGUE[obj]):
        if entry[0] in seen:
            continue
        seen.add(entry[0])
        out.append(property_doc(obj, order if order < SEEDED[obj] else -1, entry, updated_at))
    return out


# -- stage calculated properties ---------------------------------------------------------------
# HubSpot KB "Use stage calculated properties": each stage of each pipeline has Date entered,
# Date exited, Latest time in and Cumulative time in (internal names hs_v2_date_entered_<id>,
# hs_v2_date_exited_<id>, hs_v2_latest_time_in_<id>, hs_v2_cumulative_time_in_<id>), next to
# the legacy hs_date_entered_<id>/hs_date_exited_<id> and hs_time_in_<id>.
STAGE_PROPERTY_KINDS = (
    ("hs_date_entered_", "Date entered", "datetime", "date"),
    ("hs_date_exited_", "Date exited", "datetime", "date"),
    ("hs_time_in_", "Time in", "number", "number"),
    ("hs_v2_date_entered_", "Date entered", "datetime", "date"),
    ("hs_v2_date_exited_", "Date exited", "datetime", "date"),
    ("hs_v2_latest_time_in_", "Latest time in", "number", "number"),
    ("hs_v2_cumulative_time_in_", "Cumulative time in", "number", "number"),
)


def stage_property_type(name: str) -> str | None:
    """The type of a stage property name's prefix (``hs_v2_date_entered_x`` → datetime)."""
    for prefix, _label, ptype, _field in sorted(STAGE_PROPERTY_KINDS, key=lambda k: -len(k[0])):
        if name.startswith(prefix) and len(name) > len(prefix):
            return ptype
    return None


def stage_properties(
    obj: str, pipelines: list[dict[str, Any]], updated_at: str
) -> list[dict[str, Any]]:
    """Read-only HubSpot-defined definitions for every live stage of every live pipeline."""
    out: list[dict[str, Any]] = []
    for pipe in pipelines:
        if pipe.get("archived"):
            continue
        for stage in pipe.get("stages") or []:
            if stage.get("archived"):
                continue
            stage_label = str(stage.get("label", stage["id"]))
            pipe_label = str(pipe.get("label", pipe["id"]))
            singular = obj[:-1] if obj != "companies" else "company"
            for prefix, label, ptype, field_type in STAGE_PROPERTY_KINDS:
                legacy = not prefix.startswith("hs_v2_")
                doc = property_doc(
                    obj,
                    -1,
                    (
                        f"{prefix}{stage['id']}",
                        f'{label} "{stage_label} ({pipe_label})"',
                        ptype,
                        field_type,
                        "rc",
                        [],
                    ),
                    updated_at,
                )
                doc["hidden"] = legacy
                doc["description"] = (
                    f"{label} of the {singular} in the '{stage_label}' stage, "
                    f"'{pipe_label}' pipeline"
                    + (" (milliseconds)" if ptype == "number" else "")
                    + (" [legacy property]" if legacy else "")
                )
                out.append(doc)
    return out
