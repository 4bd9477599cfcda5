#include "stock_int.h"
int stock_page_list(request *r) { (void)r; return 0; }
int stock_page_item(request *r) { (void)r; return 0; }
int stock_form_post(request *r) { (void)r; return 0; }
int stock_page_consumption(request *r) { (void)r; return 0; }
