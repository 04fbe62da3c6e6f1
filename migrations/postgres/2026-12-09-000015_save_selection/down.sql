DROP FUNCTION save_selection;
