-- plist: every product, declared or sold in the window.
CREATE TEMP TABLE plist AS
SELECT product FROM products
UNION
SELECT product FROM facts WHERE level = 1
