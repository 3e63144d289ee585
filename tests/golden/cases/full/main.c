int full_main(void);
