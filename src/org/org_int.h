/* org_int.h - handlers of the organisation module (private). */
#ifndef DEFTER_ORG_INT_H
#define DEFTER_ORG_INT_H

#include "../core/http.h"

int org_api_units(request *r);
int org_api_duties(request *r);
int org_page(request *r);
void org_dashboard(request *r, html *h);

#endif
