"""Annual-report compliance (年度报告制度): per reported year and supervising department, which universities
and institutes filed on time, late or not at all (public)."""
from ttp_common.endpoints import endpoint

from .. import compliance, read_models

YEAR = {"schema": {"type": "integer", "minimum": compliance.YEARS[0], "maximum": compliance.YEARS[1]},
        "description": f"the reported year ({compliance.YEARS[0]}–{compliance.YEARS[1]}; another number is a 400)"}


class ComplianceEntrypoints:
    """Compliance, read from the projected reports and directory of organizations."""

    @endpoint("GET", "/api/v1/compliance", response="ComplianceList",
              summary="Annual-report compliance per year and department (public)")
    def list_compliance(self, ctx):
        reports, organizations = read_models.annual_reports(self.store), read_models.organizations(self.store)
        return {"years": compliance.year_summaries(reports, organizations)}

    @endpoint("GET", "/api/v1/compliance/<int:year>", response="Compliance", errors=(400,),
              parameters={"year": YEAR},
              summary="One year's annual-report compliance, organization by organization (public)")
    def get_compliance(self, ctx, year):
        compliance.check_year(year)
        return compliance.summarise(year, read_models.annual_reports(self.store, year),
                                    read_models.organizations(self.store))
